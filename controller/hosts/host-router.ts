/**
 * How the engine reaches a job's target host. A host job calls `ctx.runOnHost(op, args)`;
 * run-job.ts hands each call here with its step, and the router reads the job's host once,
 * refuses an edit on a host that is not managed (host-edit-guard.ts: every operation of
 * every job passes here, so no job can forget it), and gives the call with that record to
 * the driver registered for the host's kind. A job without a registered host (it names
 * its own `connection`), or a host whose kind has no driver here, goes to the direct
 * driver when one is given.
 */
import { invalidInput, notFound } from '../../shared/errors';
import { isHostOperation, unknownHostOperation } from '../../shared/hostops/operation-registry';
import type { HostKind } from '../store/host-records';
import { isDriverOperation } from './driver-operations';
import type { HostDriver, HostRequest, HostRouter } from './host-driver';
import { refuseEditUnlessManaged, type HostStateSource } from './host-edit-guard';

export class HostDriverRouter implements HostRouter {
  private readonly byKind = new Map<HostKind, HostDriver>();

  constructor(
    private readonly store: HostStateSource,
    /** For jobs that name their connection in params (DirectSshDriver); none: refused. */
    private readonly direct: HostDriver | null = null,
  ) {}

  /** The driver for hosts of `kind` (the agent gateway and the agentless path register theirs). */
  use(kind: HostKind, driver: HostDriver): void {
    this.byKind.set(kind, driver);
  }

  async run(request: HostRequest): Promise<unknown> {
    const { job, operation } = request;
    if (!isHostOperation(operation) && !isDriverOperation(operation))
      throw unknownHostOperation(operation);
    const host = job.hostId ? await this.store.hosts.get(job.hostId) : null;
    if (host) await refuseEditUnlessManaged(this.store, job, host, operation);
    const driver = (host && this.byKind.get(host.kind)) ?? this.direct;
    if (!driver) {
      if (job.hostId && !host)
        throw notFound(`job ${job.id}: host ${job.hostId} does not exist`, {
          details: { field: 'hostId', value: job.hostId },
        });
      throw invalidInput(
        host
          ? `job ${job.id} (${job.type}): no driver reaches ${host.kind} hosts here (host ${host.name})`
          : `job ${job.id} (${job.type}) has no target host: give hostId of a registered host`,
        { details: { jobId: job.id, hostId: job.hostId, hostKind: host?.kind ?? null } },
      );
    }
    if (isDriverOperation(operation) && !driver.driverOperations?.includes(operation)) {
      const what = host
        ? `host ${host.name} (${host.id}) is an ${host.kind} host`
        : 'the job names its own connection';
      throw invalidInput(
        `job ${job.id} (${job.type}) asked for ${operation}, which the ${driver.name} driver does not implement: ${what}`,
        {
          details: {
            field: 'operation',
            value: operation,
            hostId: host?.id ?? null,
            hostKind: host?.kind ?? null,
            driver: driver.name,
          },
        },
      );
    }
    return driver.run({ ...request, host });
  }
}
