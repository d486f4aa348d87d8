/**
 * What a job type declares. One file per type under controller/jobs/ exports a
 * definition made with `defineJob`; controller/jobs/registry.ts lists them all.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { JobRecord, NewJob } from '../store/records';
import type { Store } from '../store/store';
import type { Config } from '../config/load-config';
import type { HostCallArgs, HostCallName, HostCallResult } from '../hosts/host-driver';

export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before the second attempt; doubles for each attempt after it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RobotDefaults {
  instances: number;
  intervalMs: number | null;
  windowStart?: string | null;
  windowEnd?: string | null;
  enabled?: boolean;
}

export interface ChildJob {
  type: string;
  params: unknown;
  hostId?: string | null;
  priority?: number;
}

/** Everything a running job sees. A job never reaches its host's transport directly. */
export interface JobContext {
  job: JobRecord;
  log: Logger;
  signal: AbortSignal;
  store: Omit<Store, 'kind' | 'close'>;
  now(): number;
  config: Config;
  /** Every registered job type name. */
  jobTypes: readonly string[];
  /** Reports progress and proves the worker is alive (the lease is renewed on a timer anyway). */
  heartbeat(progress?: unknown): Promise<void>;
  /** Queues a job of any registered type (validated like an API request). */
  enqueue(
    job: ChildJob & Partial<Pick<NewJob, 'runAt' | 'deadline' | 'dedupeKey' | 'trigger'>>,
  ): Promise<JobRecord>;
  /**
   * Creates this job's children (once: a retried parent whose children exist keeps them)
   * and returns the value to return from `run` so the job ends when they all have.
   */
  spawnChildren(children: ChildJob[]): Promise<AwaitChildren>;
  /**
   * Runs a host operation (shared/hostops/operation-registry.ts, or a driver's own from
   * hosts/driver-operations.ts) on this job's target host, through whichever driver
   * reaches it, and returns its result, typed by the operation.
   */
  runOnHost<N extends HostCallName>(
    operation: N,
    args: HostCallArgs<N>,
  ): Promise<HostCallResult<N>>;
}

export const AWAIT_CHILDREN: unique symbol = Symbol('await-children');
export interface AwaitChildren {
  [AWAIT_CHILDREN]: true;
  count: number;
}
export const isAwaitChildren = (v: unknown): v is AwaitChildren =>
  typeof v === 'object' && v !== null && AWAIT_CHILDREN in v;

export interface JobDefinition<S extends TSchema = TSchema, T extends string = string> {
  type: T;
  describe: string;
  params: S;
  /** controller: runs in the engine; host: runs on the target host (agent or SSH executor). */
  runsOn: 'controller' | 'host';
  timeoutMs: number;
  retry: RetryPolicy;
  /** At most one queued or running job of this type at a time. */
  singleton?: boolean;
  /** May be started through POST /api/v1/jobs. */
  adminTriggerable?: boolean;
  /** Running it twice has the effect of running it once (safe to reclaim after a crash). */
  idempotent?: boolean;
  /** Long-lived kinds of work are robots with instances, an interval and a window. */
  robot?: RobotDefaults;
  run(params: Static<S>, ctx: JobContext): Promise<unknown>;
}

/** Keeps the literal type name and params schema, so enqueueing wrong params fails to compile. */
export function defineJob<const T extends string, S extends TSchema>(
  def: JobDefinition<S, T>,
): JobDefinition<S, T> {
  return def;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
};

/** Exponential backoff with a cap, and ±20% jitter so retried jobs do not stampede. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const exp = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exp);
  return Math.round(capped * (0.8 + 0.4 * random()));
}
