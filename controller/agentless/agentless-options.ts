/**
 * The agentless path's options, compiled once before it starts (raw → config defaults →
 * checked → frozen), like the engine's and the gateway's: the session pool's limits and
 * the SSH timeouts. A limit that cannot work stops the start naming it.
 */
import { wholeNumberAtLeast } from '../config/option-checks';
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

export function compileAgentlessOptions(
  config: Config,
  input: AgentlessOptionsInput = {},
): AgentlessOptions {
  const maxSessions = wholeNumberAtLeast(
    'agentless',
    'maxSessions',
    input.pool?.maxSessions ?? config.sshMaxSessions,
    1,
  );
  const maxSessionsPerHost = wholeNumberAtLeast(
    'agentless',
    'maxSessionsPerHost',
    input.pool?.maxSessionsPerHost ?? config.sshMaxSessionsPerHost,
    1,
  );
  return Object.freeze({
    pool: Object.freeze({
      maxSessions,
      // A host can never hold more sessions than the whole pool.
      maxSessionsPerHost: Math.min(maxSessionsPerHost, maxSessions),
      idleMs: wholeNumberAtLeast('agentless', 'idleMs', input.pool?.idleMs ?? config.sshIdleMs, 0),
    }),
    timeouts: Object.freeze({
      connectTimeoutMs: wholeNumberAtLeast(
        'agentless',
        'connectTimeoutMs',
        input.timeouts?.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
        1,
      ),
      keepaliveIntervalMs: wholeNumberAtLeast(
        'agentless',
        'keepaliveIntervalMs',
        input.timeouts?.keepaliveIntervalMs ?? DEFAULT_TIMEOUTS.keepaliveIntervalMs,
        0,
      ),
    }),
  });
}
