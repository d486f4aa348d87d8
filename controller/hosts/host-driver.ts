/**
 * The seam between the engine and the ways of reaching a host (Nomad's driver plugins are
 * the model): one driver per kind of host (agent, agentless), one for jobs that name their
 * own connection, and a local one in the tests. The router (host-router.ts) reads the
 * job's host once per operation, applies the managed-state guard to that record, and hands
 * the call to the driver for the host's kind; a driver never reads the host again.
 *
 * Jobs see none of this: `ctx.runOnHost(op, args)` is typed by the operation's line in
 * shared/hostops/operation-registry.ts or driver-operations.ts.
 */
import type {
  HostOperationArgs,
  HostOperationName,
  HostOperationResult,
} from '../../shared/hostops/operation-registry';
import type { HostRecord } from '../store/host-records';
import type { JobRecord } from '../store/records';
import type { DriverOperationName, DriverOperations } from './driver-operations';

/** Every name a job may give `ctx.runOnHost`: a shared host operation or a driver's own. */
export type HostCallName = HostOperationName | DriverOperationName;
export type HostCallArgs<N extends HostCallName> = N extends HostOperationName
  ? HostOperationArgs<N>
  : N extends DriverOperationName
    ? DriverOperations[N]['args']
    : never;
export type HostCallResult<N extends HostCallName> = N extends HostOperationName
  ? HostOperationResult<N>
  : N extends DriverOperationName
    ? DriverOperations[N]['result']
    : never;

/** One operation of one job attempt, as run-job.ts asks for it. */
export interface HostRequest {
  job: JobRecord;
  /** A HostCallName; checked by the router before any driver sees it. */
  operation: string;
  args: unknown;
  /** This call's place in the attempt, from 0 in the order the job asks (run-job.ts counts). */
  step: number;
  signal: AbortSignal;
}

/** The request as a driver gets it, with the host the router read for it. */
export interface HostCall extends HostRequest {
  /** The job's registered host; null for a job that names its own connection. */
  host: HostRecord | null;
}

export interface HostDriver {
  /** What the driver reaches, for messages ("agent", "agentless", "direct connection"). */
  readonly name: string;
  /** The driver operations it implements; the router refuses the others. */
  readonly driverOperations?: readonly DriverOperationName[];
  /** Runs the operation and returns its JSON result. */
  run(call: HostCall): Promise<unknown>;
}

/** What the engine is handed to reach hosts: run-job.ts calls it once per runOnHost. */
export interface HostRouter {
  run(request: HostRequest): Promise<unknown>;
}
