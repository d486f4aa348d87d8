/**
 * The worker pool of one controller process. It claims due jobs in batches (woken at
 * once when this process queues a job, polling as the fallback for jobs queued by
 * other processes), runs each with a renewed lease, and reports itself alive in the
 * workers table so the watchdog can tell a dead controller from a busy one.
 */
import { hostname } from 'node:os';
import { controllerStopping, invalidConfig } from '../../shared/errors';
import { newId } from '../store/ids';
import type { JobRecord } from '../store/records';
import type { JobLease } from '../store/store';
import { runJob } from './run-job';
import { GroupCommit } from './group-commit';
import {
  compileEngineOptions,
  type EngineOptions,
  type EngineOptionsInput,
} from './engine-options';
import type { HostRouter } from '../hosts/host-driver';

/**
 * The engine knows no transport (design.md): whoever starts it passes the host router.
 * Without one, a host job fails at once saying so instead of reaching a host some default way.
 */
const noHostDriver: HostRouter = {
  run: ({ job, operation }) =>
    Promise.reject(
      invalidConfig(
        `job ${job.id} (${job.type}) asked for host operation ${operation}, but this engine was started without a host driver`,
        { details: { jobId: job.id, operation } },
      ),
    ),
};

export class Engine {
  readonly workerId = `${hostname()}:${process.pid}:${newId()}`;
  private readonly running = new Map<
    string,
    { job: JobRecord; abort: AbortController; done: Promise<void> }
  >();
  private readonly runningByType = new Map<string, number>();
  private runningBulk = 0;
  /** Most bulk-lane jobs running at once here: all workers but the reserved ones, at least one. */
  readonly bulkWorkers: number;
  private readonly clock: () => number;
  readonly hostRouter: HostRouter;
  /** Compiled once, frozen (engine-options.ts). */
  private readonly options: EngineOptions;
  private readonly completions: GroupCommit<{ lease: JobLease; result: unknown }, boolean>;
  private readonly types: readonly string[];
  private timers: NodeJS.Timeout[] = [];
  private filling: Promise<void> | undefined;
  private refill = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;
  private readonly claimListeners = new Set<(jobs: JobRecord[], now: number) => void>();

  constructor(input: EngineOptionsInput) {
    const options = compileEngineOptions(input);
    this.options = options;
    this.clock = options.clock;
    this.hostRouter = options.hostRouter ?? noHostDriver;
    this.completions = new GroupCommit((items) =>
      options.store.jobs.completeMany(items, this.clock()),
    );
    this.types = options.types;
    this.bulkWorkers = options.bulkWorkers;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const now = this.clock();
    await this.options.store.workers.upsert({
      id: this.workerId,
      hostname: hostname(),
      pid: process.pid,
      startedAt: now,
      heartbeatAt: now,
    });
    this.unsubscribe = this.options.queue.onQueued((job) => {
      if (this.types.includes(job.type) && job.runAt <= this.clock()) this.wake();
    });
    this.timers.push(setInterval(() => this.wake(), this.options.pollIntervalMs));
    this.timers.push(
      setInterval(() => {
        this.options.store.workers
          .heartbeat(this.workerId, this.clock())
          .catch((err: unknown) => this.options.log.warn({ err }, 'worker heartbeat failed'));
      }, this.options.heartbeatMs),
    );
    this.wake();
  }

  /** Called with every batch this worker claims (the claim-latency metric). */
  onClaimed(listener: (jobs: JobRecord[], now: number) => void): () => void {
    this.claimListeners.add(listener);
    return () => this.claimListeners.delete(listener);
  }

  /** Jobs this process is running now, for the "in execution" report. */
  runningJobs(): JobRecord[] {
    return [...this.running.values()].map((r) => r.job);
  }

  /** Aborts a job this process runs (the store flag reaches other processes via lease renewal). */
  abortLocal(jobId: string, reason: Error): boolean {
    const r = this.running.get(jobId);
    if (!r) return false;
    r.abort.abort(reason);
    return true;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.fill())
      .catch((err: unknown) => this.options.log.error({ err }, 'claiming jobs failed'))
      .finally(() => {
        this.filling = undefined;
        if (this.refill) {
          this.refill = false;
          this.wake();
        }
      });
  }

  private capacity(): Record<string, number> {
    const cap: Record<string, number> = {};
    for (const t of this.types) {
      const limit = this.options.limitFor?.(t) ?? this.options.concurrency;
      const free = limit - (this.runningByType.get(t) ?? 0);
      if (free > 0) cap[t] = free;
    }
    return cap;
  }

  private async fill(): Promise<void> {
    for (;;) {
      const free = this.options.concurrency - this.running.size;
      const capacity = this.capacity();
      if (this.stopped || free <= 0 || Object.keys(capacity).length === 0) return;
      const limit = Math.min(free, this.options.claimBatch);
      const jobs = await this.options.store.jobs.claim({
        workerId: this.workerId,
        capacity,
        limit,
        leaseMs: this.options.leaseMs,
        now: this.clock(),
        // The store takes normal jobs first and bulk ones only up to this: a flood of
        // scheduled scans can never occupy the workers kept for admin, event and robot jobs.
        bulkLimit: Math.max(0, this.bulkWorkers - this.runningBulk),
      });
      for (const l of this.claimListeners) l(jobs, this.clock());
      for (const job of jobs) this.launch(job);
      if (jobs.length < limit) return;
    }
  }

  private launch(job: JobRecord): void {
    const def = this.options.queue.definition(job.type);
    const abort = new AbortController();
    this.runningByType.set(job.type, (this.runningByType.get(job.type) ?? 0) + 1);
    const bulk = job.lane === 'bulk';
    if (bulk) this.runningBulk++;
    const deps = {
      store: this.options.store,
      queue: this.options.queue,
      log: this.options.log,
      workerId: this.workerId,
      leaseMs: this.options.leaseMs,
      clock: this.clock,
      config: this.options.config,
      hostRouter: this.hostRouter,
      complete: (lease: JobLease, result: unknown) => this.completions.submit({ lease, result }),
    };
    const done = runJob(deps, job, def, abort)
      .catch((err: unknown) =>
        this.options.log.error({ err, jobId: job.id }, 'recording the end of a job failed'),
      )
      .finally(() => {
        this.running.delete(job.id);
        this.runningByType.set(job.type, (this.runningByType.get(job.type) ?? 1) - 1);
        if (bulk) this.runningBulk--;
        this.wake();
      });
    this.running.set(job.id, { job, abort, done });
  }

  /**
   * Stops claiming, lets running jobs finish for up to `graceMs`, then aborts the rest:
   * those are queued again with their attempt given back (CONTROLLER_STOPPING), so a
   * routine restart costs no job an attempt.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const grace = new Promise((r) => setTimeout(r, graceMs).unref());
    // A claim in flight launches its jobs when it returns: they are stopped like the rest.
    await Promise.race([this.filling, grace]);
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.race([all, grace]);
    const reason = controllerStopping('the controller is stopping; the job is queued again');
    for (const r of this.running.values()) r.abort.abort(reason);
    await all;
    await this.options.store.workers.remove(this.workerId).catch(() => undefined);
  }
}
