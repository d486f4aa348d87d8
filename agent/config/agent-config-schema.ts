/**
 * The one description of every agent setting: its environment variable, default and how
 * a raw string becomes a typed value. `loadAgentConfig()` is the only reader of it, and
 * the only place in agent/ that reads the environment.
 */
import {
  parseIntegerInRange,
  parseNonEmptyString,
  type SettingDefinition,
} from '../../shared/config/settings-parser';

/**
 * The reconnect backoff cap. Below 100 ms a controller outage turns every agent into a
 * tight reconnect loop against the controllers (a storm when they come back); above a day
 * an agent would stay away longer than any outage is worth.
 */
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 86_400_000;

export const agentSettings = {
  stateDir: {
    env: 'KEYWARDEN_AGENT_STATE_DIR',
    parse: parseNonEmptyString,
    default: '/var/lib/keywarden-agent',
    describe: 'directory of the identity, journal and result spool (--state-dir)',
  },
  rootPrefix: {
    env: 'KEYWARDEN_AGENT_ROOT_PREFIX',
    parse: parseNonEmptyString,
    default: '/',
    describe: 'the host filesystem root the agent manages (--root-prefix)',
  },
  maxBackoffMs: {
    env: 'KEYWARDEN_AGENT_MAX_BACKOFF_MS',
    parse: parseIntegerInRange(MIN_BACKOFF_MS, MAX_BACKOFF_MS, ' of milliseconds'),
    default: '60000',
    describe: 'longest wait between reconnect attempts (exponential backoff with full jitter)',
  },
  hostname: {
    env: 'KEYWARDEN_AGENT_HOSTNAME',
    parse: parseNonEmptyString,
    describe: 'the host name reported to the controller (default: the system host name)',
  },
} satisfies Record<string, SettingDefinition<unknown>>;
