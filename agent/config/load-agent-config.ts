/**
 * The agent's settings, compiled once at start: defaults, then environment variables,
 * then command-line options; validated and frozen. A wrong value stops the agent with
 * INVALID_CONFIG naming the variable (or option), the value and what was expected.
 */
import { loadSettings, type LoadedSettings } from '../../shared/config/settings-parser';
import { agentSettings } from './agent-config-schema';

export type AgentConfig = LoadedSettings<typeof agentSettings>;

/** Command-line options that override their environment variable. */
export interface AgentCliOptions {
  stateDir?: string;
  rootPrefix?: string;
}

export function loadAgentConfig(
  cli: AgentCliOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): AgentConfig {
  return loadSettings(agentSettings, env, {
    stateDir: { value: cli.stateDir, label: '--state-dir' },
    rootPrefix: { value: cli.rootPrefix, label: '--root-prefix' },
  });
}
