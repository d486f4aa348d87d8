/**
 * Starts the agentless path of a controller: the sealed-credential vault, the session pool
 * and the executor, registered on the host-executor router for jobs whose host is
 * agentless. Returns its stop().
 */
import type { ControllerServices } from '../controller-services';
import type { CredentialVault } from '../secrets/credential-vault';
import { vaultFor } from '../secrets/secret-boxes';
import { AgentlessExecutor } from './agentless-executor';
import { SessionPool, type SessionPoolLimits } from './session-pool';

export interface AgentlessRuntime {
  executor: AgentlessExecutor;
  pool: SessionPool;
  vault: CredentialVault;
}

const runtimes = new WeakMap<object, AgentlessRuntime>();

/** The running agentless path of the controller that uses this store (tests, benchmarks). */
export function agentlessRuntimeOf(store: object): AgentlessRuntime | undefined {
  return runtimes.get(store);
}

export function startAgentlessExecutor(
  services: ControllerServices,
  limits: Partial<SessionPoolLimits> = {},
): () => Promise<void> {
  const { store, config } = services;
  const vault = vaultFor(config, store);
  const pool = new SessionPool({
    maxSessions: config.sshMaxSessions,
    maxSessionsPerHost: config.sshMaxSessionsPerHost,
    idleMs: config.sshIdleMs,
    ...limits,
  });
  const executor = new AgentlessExecutor({
    store,
    vault,
    pool,
    log: services.log.child({ component: 'agentless' }),
    timeouts: { connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 },
  });
  services.hostExecutor.register(async (job) => {
    if (!job.hostId) return false;
    const host = await store.hosts.get(job.hostId);
    return host?.kind === 'agentless';
  }, executor);
  runtimes.set(store, { executor, pool, vault });
  return async () => {
    runtimes.delete(store);
    await pool.stop();
  };
}
