/**
 * Starts the agentless path of a controller: the sealed-credential vault, the session pool
 * and the driver, registered on the host router for agentless hosts. Returns its stop().
 */
import type { ControllerServices } from '../controller-services';
import type { CredentialVault } from '../secrets/credential-vault';
import { vaultFor } from '../secrets/secret-boxes';
import { AgentlessDriver } from './agentless-driver';
import { compileAgentlessOptions, type AgentlessOptionsInput } from './agentless-options';
import { SessionPool } from './session-pool';

export interface AgentlessRuntime {
  driver: AgentlessDriver;
  pool: SessionPool;
  vault: CredentialVault;
}

const runtimes = new WeakMap<object, AgentlessRuntime>();

/** The running agentless path of the controller that uses this store (tests, benchmarks). */
export function agentlessRuntimeOf(store: object): AgentlessRuntime | undefined {
  return runtimes.get(store);
}

export function startAgentlessDriver(
  services: ControllerServices,
  input: AgentlessOptionsInput = {},
): () => Promise<void> {
  const { store, config } = services;
  const options = compileAgentlessOptions(config, input);
  const vault = vaultFor(config, store);
  const pool = new SessionPool(options.pool);
  const driver = new AgentlessDriver({
    store,
    vault,
    pool,
    log: services.log.child({ component: 'agentless' }),
    timeouts: options.timeouts,
  });
  services.hostRouter.use('agentless', driver);
  runtimes.set(store, { driver, pool, vault });
  return async () => {
    runtimes.delete(store);
    await pool.stop();
  };
}
