/**
 * The one way jobs are queued: checks the type against the registry and the params
 * against its schema, applies the type's retry policy and singleton key, and wakes
 * the local workers so a job queued here starts without waiting for a poll. Secret params
 * (marked `Sealed` in the schema) are sealed here, before anything stores them.
 */
import { unknownJobType } from '../../shared/errors';
import type { JobRecord, JobTrigger, NewJob } from '../store/records';
import type { EnqueueResult, Store } from '../store/store';
import type { SecretBox } from '../secrets/secret-box';
import { sealParams } from '../secrets/sealed-params';
import type { JobDefinition } from './job-definition';
import { GroupCommit } from './group-commit';
import { validateParams } from './validate-params';
import { laneFor } from './job-lane';

export type JobRegistry = Readonly<Record<string, JobDefinition>>;

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

  constructor(
    private readonly store: Pick<Store, 'jobs'>,
    readonly registry: JobRegistry,
    private readonly clock: () => number = Date.now,
    /** Seals secret params; a queue without it refuses jobs that carry one. */
    private readonly secrets?: SecretBox,
  ) {
    this.inserts = new GroupCommit((rows) => this.store.jobs.enqueueMany(rows, this.clock()));
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

  async enqueue(type: string, params: unknown, opts: EnqueueOptions): Promise<EnqueueResult> {
    const [res] = await this.enqueueMany([{ type, params, opts }]);
    return res as EnqueueResult;
  }

  /** Validates every job first: one bad job queues none of them. */
  async enqueueMany(
    jobs: Array<{ type: string; params: unknown; opts: EnqueueOptions }>,
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
      const paramsHost = (valid as { hostId?: unknown } | null)?.hostId;
      return {
        type,
        params: valid,
        maxAttempts: def.retry.maxAttempts,
        priority: opts.priority ?? 0,
        runAt: opts.runAt ?? now,
        deadline: opts.deadline ?? null,
        parentId: opts.parentId ?? null,
        hostId: opts.hostId ?? (typeof paramsHost === 'string' ? paramsHost : null),
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
