/**
 * What a job type declares. One file per type under controller/jobs/ exports a
 * definition made with `defineJob`; controller/jobs/registry.ts lists them all.
 */
import type { Static, TObject, TSchema } from '@sinclair/typebox';
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
  /**
   * This robot is the watchdog that reclaims expired leases. A run of it stuck with an
   * expired lease cannot reclaim itself, so the scheduler clears it before starting the next.
   */
  watchdog?: boolean;
  /**
   * The first run, when the robot record is created, this long after start instead of at
   * once: a costly robot (a full count of the store) does not weigh on every start.
   */
  firstRunAfterMs?: number;
}

export const HOUR = 3_600_000;

/**
 * The params fields (by name) of a job that name a file touched as root, beyond the fields
 * every job is checked for (sshdBinary, reloadCommand, sshdConfigPath, mainConfigPath):
 * see controller/auth/host-command-policy.ts.
 */
export interface RootFields {
  /** An sshd config file the job replaces: only a config path an admin allowed. */
  configFile?: string;
  /** The root-owned file pattern users' keys are copied to: only a target an admin set. */
  relocationTarget?: string;
  /** A file the job deletes as root: only a private key the inventory recorded there. */
  privateKey?: string;
}

/** A per-host periodic scan: the job runs on each scanned host every `defaultIntervalMs`. */
export interface HostScanSchedule {
  /** Until an operator stores other global defaults; a group or host may override it. */
  defaultIntervalMs: number;
  /** The scan types this one reads too: while it is due for a host, they are not queued. */
  covers?: readonly string[];
}

declare const hasDefault: unique symbol;
/** A params field with a default: a caller may leave it out, and `run` always sees it. */
export type TDefaulted<S extends TSchema> = S & { readonly [hasDefault]: true };
export function withDefault<S extends TSchema>(schema: S, value: Static<S>): TDefaulted<S> {
  // The mark exists only in the type (ParamsInput reads it); the schema carries the default.
  return { ...schema, default: value } as TDefaulted<S>;
}
type DefaultedKeys<P> = {
  [K in keyof P]: P[K] extends { readonly [hasDefault]: true } ? K : never;
}[keyof P];

/** The params a caller gives: what the schema declares, less the fields that have defaults. */
export type ParamsInput<S extends TSchema> =
  S extends TObject<infer P> ? WithOptional<Static<S>, DefaultedKeys<P>> : Static<S>;
type WithOptional<T, K extends PropertyKey> = [K] extends [never]
  ? T
  : Omit<T, K> & { [F in K & keyof T]?: T[F] };

/**
 * Every registered job type and its params. Empty here: controller/jobs/registry.ts fills it
 * in by declaration merging, so the engine checks job types at compile time without
 * importing a job (as graphile-worker's `GraphileWorker.Tasks`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobTypes {}
export type JobTypeName = keyof JobTypes & string;
export type JobParams<T extends JobTypeName> = JobTypes[T];

/** The registered types whose params accept `P` (code that queues several types alike). */
export type JobTypeWithParams<P> = {
  [T in JobTypeName]: P extends JobParams<T> ? T : never;
}[JobTypeName];

/** A job of some registered type with params of that type: `{ type: 'x', params: ... }`. */
export type TypedJob<Extra = unknown> = {
  [T in JobTypeName]: { type: T; params: JobParams<T> } & Extra;
}[JobTypeName];

export interface ChildJobOptions {
  hostId?: string | null;
  priority?: number;
}
export type ChildJob = TypedJob<ChildJobOptions>;

/**
 * What happens outside any job that a job type may handle: the type whose definition says
 * `on: event` is queued with these params. The agent gateway raises the agent events, so it
 * names no job type.
 */
export interface JobEvents {
  /** An agent with no host yet connected: its host is to be discovered. */
  'agent-without-host': { agentId: string };
  /** An agent with a host opened a management connection. */
  'agent-connected': {
    agentId: string;
    connectionId: string;
    controllerId: string;
    mode: 'stream' | 'periodic';
    nextConnectionAt?: number;
  };
}
export type JobEvent = keyof JobEvents;
/** The events whose params a job with params `P` accepts. */
type EventsAccepting<P> = { [E in JobEvent]: JobEvents[E] extends P ? E : never }[JobEvent];

/** A registered host scan: its job type and its schedule. */
export interface HostScan extends HostScanSchedule {
  type: string;
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
  /** The host scans the registered job types declare (job-definition `hostScan`). */
  hostScans: readonly HostScan[];
  /** Queues a job of a registered type (its params checked at compile time and when queued). */
  enqueue(
    job: TypedJob<
      ChildJobOptions & Partial<Pick<NewJob, 'runAt' | 'deadline' | 'dedupeKey' | 'trigger'>>
    >,
  ): Promise<JobRecord>;
  /**
   * Queues a job whose type is known only at run time (read from a stored record or a
   * request): its type and params are checked when it is queued, not when compiled.
   */
  enqueueByName(
    job: { type: string; params: unknown } & ChildJobOptions &
      Partial<Pick<NewJob, 'runAt' | 'deadline' | 'dedupeKey' | 'trigger'>>,
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

interface JobDefinitionFields<S extends TSchema, T extends string> {
  type: T;
  describe: string;
  params: S;
  /** controller: runs in the engine; host: runs on the target host (agent or SSH executor). */
  runsOn: 'controller' | 'host';
  timeoutMs: number;
  /** At most one queued or running job of this type at a time. */
  singleton?: boolean;
  /** May be started through POST /api/v1/jobs. */
  adminTriggerable?: boolean;
  /** Long-lived kinds of work are robots with instances, an interval and a window. */
  robot?: RobotDefaults;
  /** Queued per host on a schedule by internal-scheduler (host-scan-scheduler.ts). */
  hostScan?: HostScanSchedule;
  /** Params naming files it touches as root, checked before it is queued and when it runs. */
  rootFields?: RootFields;
  /**
   * Its result is stored as the job's result. Typed `any`, not `Promise<unknown>`: checking a
   * `run` against `unknown` would make TypeScript read its body while it is still working out
   * the registry's types (JobTypes), a circular reference for every job that queues a job.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(params: Static<S>, ctx: JobContext): any;
}

/**
 * What `defineJob` is given. A job that is idempotent (running it twice has the effect of
 * running it once) is retried by its policy (DEFAULT_RETRY unless it gives one), and run
 * again when the watchdog reclaims it after a crash. One that is not gets a single attempt:
 * neither a failure nor a crash runs it a second time (a second ICB token, a second key).
 */
export type JobDefinitionInput<S extends TSchema, T extends string> = JobDefinitionFields<S, T> & {
  /** Queued when this event happens (JobEvents), with the event's params, which it must accept. */
  on?: EventsAccepting<Static<S>>;
} & ({ idempotent: true; retry?: RetryPolicy } | { idempotent?: false; retry?: never });

/** A registered job type: what `defineJob` returns, its retry policy resolved. */
export interface JobDefinition<
  S extends TSchema = TSchema,
  T extends string = string,
> extends JobDefinitionFields<S, T> {
  idempotent: boolean;
  retry: RetryPolicy;
  /** At most one registered type handles an event. */
  on?: JobEvent;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
};

/** One attempt: what a job that is not idempotent gets. */
export const SINGLE_ATTEMPT: RetryPolicy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

/** Keeps the literal type name and params schema, so enqueueing wrong params fails to compile. */
export function defineJob<const T extends string, S extends TSchema>(
  def: JobDefinitionInput<S, T>,
): JobDefinition<S, T> {
  return def.idempotent
    ? { ...def, idempotent: true, retry: def.retry ?? DEFAULT_RETRY }
    : { ...def, idempotent: false, retry: SINGLE_ATTEMPT };
}

/** Exponential backoff with a cap, and ±20% jitter so retried jobs do not stampede. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const exp = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exp);
  return Math.round(capped * (0.8 + 0.4 * random()));
}
