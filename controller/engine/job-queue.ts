/**
 * The one way jobs are queued: checks the type against the registry and the params
 * against its schema, applies the type's retry policy and singleton key, and wakes
 * the local workers so a job queued here starts without waiting for a poll. Secret params
 * (marked `Sealed` in the schema) are sealed here, before anything stores them.
 */
import { invalidInput, unknownJobType } from '../../shared/errors';
import type { JobRecord, JobTrigger, NewJob } from '../store/records';
import type { EnqueueResult, Store } from '../store/store';
import type { SecretBox } from '../secrets/secret-box';
import { sealParams } from '../secrets/sealed-params';
import type {
  HostScan,
  JobDefinition,
  JobEvent,
  JobParams,
  JobTypeName,
  TypedJob,
} from './job-definition';
import { GroupCommit } from './group-commit';
import { validateParams } from './validate-params';
import { laneFor } from './job-lane';
import { hostScansOf } from './host-scan-scheduler';

export type JobRegistry = Readonly<Record<string, JobDefinition>>;

/** A job of a registered type, its params and options; `enqueueMany` takes a list of them. */
export type QueuedJob = TypedJob<{ opts: EnqueueOptions }>;

export interface EnqueueOptions {
  createdBy: string;
  trigger: JobTrigger;
  hostId?: string | null;
  parentId?: string | null;
  priority?: number;
  runAt?: number;
  deadline?: number | null;
  dedupeKey?: string | null;
}

export class JobQueue {
  private readonly listeners = new Set<(job: JobRecord) => void>();
  private readonly inserts: GroupCommit<NewJob, EnqueueResult>;
  /** The host scans the registered types declare, in registry order. */
  readonly hostScans: readonly HostScan[];
  private readonly handlers = new Map<JobEvent, string>();

  constructor(
    private readonly store: Pick<Store, 'jobs'>,
    readonly registry: JobRegistry,
    private readonly clock: () => number = Date.now,
    /** Seals secret params; a queue without it refuses jobs that carry one. */
    private readonly secrets?: SecretBox,
  ) {
    this.inserts = new GroupCommit((rows) => this.store.jobs.enqueueMany(rows, this.clock()));
    for (const d of Object.values(registry)) {
      if (!d.on) continue;
      const other = this.handlers.get(d.on);
      if (other) throw new Error(`event ${d.on} is handled by both ${other} and ${d.type}`);
      this.handlers.set(d.on, d.type);
    }
    this.hostScans = Object.freeze(hostScansOf(registry));
  }

  /** The registered job type that handles `event` (the definition's `on`), if one does. */
  handlerOf(event: JobEvent): string | undefined {
    return this.handlers.get(event);
  }

  definition(type: string): JobDefinition {
    const def = Object.hasOwn(this.registry, type) ? this.registry[type] : undefined;
    if (!def) {
      throw unknownJobType(`unknown job type "${type}"`, {
        details: { field: 'type', value: type, expected: Object.keys(this.registry).sort() },
      });
    }
    return def;
  }

  /** Called with every job this process queues (the engine wakes its workers). */
  onQueued(listener: (job: JobRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues a job of a registered type; the type and its params are checked at compile time. */
  async enqueue<T extends JobTypeName>(
    type: T,
    params: JobParams<T>,
    opts: EnqueueOptions,
  ): Promise<EnqueueResult> {
    return this.enqueueByName(type, params, opts);
  }

  /**
   * Queues a job whose type is named at run time (an API request, a robot or expiry record
   * read from the store): checked against the registry and the type's schema here.
   */
  async enqueueByName(type: string, params: unknown, opts: EnqueueOptions): Promise<EnqueueResult> {
    const [res] = await this.enqueueManyByName([{ type, params, opts }]);
    return res as EnqueueResult;
  }

  /** Validates every job first: one bad job queues none of them. */
  async enqueueMany(jobs: readonly QueuedJob[]): Promise<EnqueueResult[]> {
    return this.enqueueManyByName(jobs);
  }

  /** `enqueueMany` for types named at run time (see enqueueByName). */
  async enqueueManyByName(
    jobs: ReadonlyArray<{ type: string; params: unknown; opts: EnqueueOptions }>,
  ): Promise<EnqueueResult[]> {
    const now = this.clock();
    const rows = jobs.map(({ type, params, opts }) => {
      const def = this.definition(type);
      const valid = sealParams(
        type,
        def.params,
        validateParams(type, def.params, params),
        this.secrets,
        { child: Boolean(opts.parentId) },
      );
      // A host job names its host in its params; the record carries it for routing and filters.
      const target = valid as { hostId?: unknown; connection?: unknown } | null;
      const hostId = opts.hostId ?? (typeof target?.hostId === 'string' ? target.hostId : null);
      // A host job with no host would only fail when a worker takes it: say so now.
      if (def.runsOn === 'host' && hostId === null && !target?.connection)
        throw invalidInput(`job type ${type} runs on a host: give hostId (or params.connection)`, {
          details: { field: 'hostId', value: null, expected: 'a registered host id' },
        });
      return {
        type,
        params: valid,
        maxAttempts: def.retry.maxAttempts,
        priority: opts.priority ?? 0,
        runAt: opts.runAt ?? now,
        deadline: opts.deadline ?? null,
        parentId: opts.parentId ?? null,
        hostId,
        createdBy: opts.createdBy,
        trigger: opts.trigger,
        dedupeKey: opts.dedupeKey ?? (def.singleton ? type : null),
        lane: laneFor(def, opts.trigger),
      };
    });
    // A single job joins the group commit; a list is its own all-or-nothing write.
    const results =
      rows.length === 1
        ? [await this.inserts.submit(rows[0]!)]
        : await this.store.jobs.enqueueMany(rows, now);
    for (const r of results) if (r.created) for (const l of this.listeners) l(r.job);
    return results;
  }
}
