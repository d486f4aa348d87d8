/**
 * The agentless path's options, compiled once before it starts (raw → config defaults →
 * checked → frozen), like the engine's and the gateway's: the session pool's limits and
 * the SSH timeouts. A limit that cannot work stops the start naming it.
 */
import { invalidConfig } from '../../shared/errors';
import type { Config } from '../config/load-config';
import type { ConnectTimeouts } from './connect-host';
import type { SessionPoolLimits } from './session-pool';

export interface AgentlessOptions {
  readonly pool: Readonly<SessionPoolLimits>;
  readonly timeouts: Readonly<ConnectTimeouts>;
}

export interface AgentlessOptionsInput {
  pool?: Partial<SessionPoolLimits>;
  timeouts?: Partial<ConnectTimeouts>;
}

const DEFAULT_TIMEOUTS: ConnectTimeouts = { connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 };

function atLeast(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw invalidConfig(
      `agentless option ${name} must be a whole number of at least ${min}, not ${value}`,
      {
        details: { field: name, value, expected: `integer >= ${min}` },
      },
    );
  return value;
}

export function compileAgentlessOptions(
  config: Config,
  input: AgentlessOptionsInput = {},
): AgentlessOptions {
  const maxSessions = atLeast('maxSessions', input.pool?.maxSessions ?? config.sshMaxSessions, 1);
  const maxSessionsPerHost = atLeast(
    'maxSessionsPerHost',
    input.pool?.maxSessionsPerHost ?? config.sshMaxSessionsPerHost,
    1,
  );
  return Object.freeze({
    pool: Object.freeze({
      maxSessions,
      // A host can never hold more sessions than the whole pool.
      maxSessionsPerHost: Math.min(maxSessionsPerHost, maxSessions),
      idleMs: atLeast('idleMs', input.pool?.idleMs ?? config.sshIdleMs, 0),
    }),
    timeouts: Object.freeze({
      connectTimeoutMs: atLeast(
        'connectTimeoutMs',
        input.timeouts?.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
        1,
      ),
      keepaliveIntervalMs: atLeast(
        'keepaliveIntervalMs',
        input.timeouts?.keepaliveIntervalMs ?? DEFAULT_TIMEOUTS.keepaliveIntervalMs,
        0,
      ),
    }),
  });
}
