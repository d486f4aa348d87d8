/**
 * How the engine reaches a job's target host. A host job calls `ctx.runOnHost(op, args)`;
 * the executor chosen for the host runs the shared operation there and returns its JSON
 * result: over the agent's stream for agent hosts, over SSH for agentless ones. Jobs never
 * see the transport.
 */
import type { JobRecord } from '../store/records';

export interface HostExecutor {
  run(job: JobRecord, operation: string, args: unknown, signal: AbortSignal): Promise<unknown>;
}

/** Picks an executor per job; later executors (agent, SSH pool) register in front of the fallback. */
export class HostExecutorRouter implements HostExecutor {
  private readonly routes: Array<{
    accepts: (job: JobRecord) => Promise<boolean> | boolean;
    executor: HostExecutor;
  }> = [];

  constructor(private readonly fallback: HostExecutor) {}

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
    for (const r of this.routes)
      if (await r.accepts(job)) return r.executor.run(job, operation, args, signal);
    return this.fallback.run(job, operation, args, signal);
  }
}
