/**
 * How the engine reaches a job's target host. A host job calls `ctx.runOnHost(op, args)`;
 * the executor chosen for the host runs the shared operation there and returns its JSON
 * result: over the agent's stream for agent hosts, over SSH for agentless ones. Jobs never
 * see the transport.
 */
import type { JobRecord } from '../store/records';
import { refuseEditUnlessManaged, type HostStateSource } from './host-edit-guard';

export interface HostExecutor {
  run(job: JobRecord, operation: string, args: unknown, signal: AbortSignal): Promise<unknown>;
}

/**
 * Picks an executor per job; later executors (agent, SSH pool) register in front of the
 * fallback. Every host operation passes here, so this is where an edit on a host that is
 * not managed is refused (host-edit-guard.ts), before any executor sees it.
 */
export class HostExecutorRouter implements HostExecutor {
  private readonly routes: Array<{
    accepts: (job: JobRecord) => Promise<boolean> | boolean;
    executor: HostExecutor;
  }> = [];

  constructor(
    private readonly fallback: HostExecutor,
    private readonly store: HostStateSource,
  ) {}

  /** Routes registered later are asked first. */
  register(accepts: (job: JobRecord) => Promise<boolean> | boolean, executor: HostExecutor): void {
    this.routes.unshift({ accepts, executor });
  }

  async run(
    job: JobRecord,
    operation: string,
    args: unknown,
    signal: AbortSignal,
  ): Promise<unknown> {
    await refuseEditUnlessManaged(this.store, job, operation);
    for (const r of this.routes)
      if (await r.accepts(job)) return r.executor.run(job, operation, args, signal);
    return this.fallback.run(job, operation, args, signal);
  }
}
