/**
 * Starts periodic robots on their interval and inside their window. Each due robot is
 * advanced with a compare-and-set on its next run time, so with several controllers on
 * one store exactly one of them starts it. Robot settings are re-read every tick, so a
 * change of interval, window, instances or enabled flag takes effect without a restart.
 */
import type { Logger } from 'pino';
import type { RobotRecord } from '../store/records';
import type { Store } from '../store/store';
import type { JobQueue } from './job-queue';
import { inWindow, nextWindowOpening } from './robot-window';

/** Running robot jobs read per refresh; more than this at once means limits are approximate. */
const RUNNING_SCAN_LIMIT = 2000;

export class RobotScheduler {
  private robots = new Map<string, RobotRecord>();
  /** Running jobs of robot types across all controllers: type -> workerId -> count. */
  private running = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly store: Store,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly tickMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates the robot records each job type declares, keeping settings already stored. */
  async ensureRobots(): Promise<void> {
    const now = this.clock();
    for (const def of Object.values(this.queue.registry)) {
      if (!def.robot) continue;
      await this.store.robots.ensure({
        type: def.type,
        instances: def.robot.instances,
        intervalMs: def.robot.intervalMs,
        windowStart: def.robot.windowStart ?? null,
        windowEnd: def.robot.windowEnd ?? null,
        enabled: def.robot.enabled ?? true,
        nextRunAt: def.robot.intervalMs === null ? null : now + (def.robot.firstRunAfterMs ?? 0),
        lastStartedAt: null,
        lastJobId: null,
        updatedAt: now,
        updatedBy: 'system',
      });
    }
    await this.refresh();
  }

  /** Re-reads robot settings and who runs what; an API change calls it at once. */
  async refresh(): Promise<void> {
    const robots = await this.store.robots.list();
    const page = await this.store.jobs.list(
      { state: ['running'], type: robots.map((r) => r.type) },
      { limit: RUNNING_SCAN_LIMIT },
    );
    const running = new Map<string, Map<string, number>>();
    for (const j of page.items) {
      const byWorker = running.get(j.type) ?? new Map<string, number>();
      byWorker.set(j.workerId ?? '', (byWorker.get(j.workerId ?? '') ?? 0) + 1);
      running.set(j.type, byWorker);
    }
    this.robots = new Map(robots.map((r) => [r.type, r]));
    this.running = running;
  }

  /**
   * Instances of `type` this worker may run at once: 0 while the robot is disabled or
   * outside its window; otherwise its instances minus those other controllers run (as
   * of the last refresh, so two controllers can overshoot for one tick); the fallback
   * for job types that are not robots.
   */
  limitFor(type: string, fallback: number, localWorkerId?: string): number {
    const r = this.robots.get(type);
    if (!r) return fallback;
    if (!r.enabled || !inWindow(this.clock(), r.windowStart, r.windowEnd)) return 0;
    let elsewhere = 0;
    for (const [worker, n] of this.running.get(type) ?? [])
      if (worker !== localWorkerId) elsewhere += n;
    return Math.max(0, r.instances - elsewhere);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.refresh();
      const now = this.clock();
      for (const r of this.robots.values()) {
        if (!r.enabled || r.intervalMs === null || r.nextRunAt === null || r.nextRunAt > now)
          continue;
        // A robot of a job type this controller does not register (a fixture, a newer version's type).
        if (!Object.hasOwn(this.queue.registry, r.type)) continue;
        await this.startRobot(r, now);
      }
    } catch (err) {
      this.log.error({ err }, 'scheduler tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async startRobot(r: RobotRecord, now: number): Promise<void> {
    if (!inWindow(now, r.windowStart, r.windowEnd)) {
      const opening = nextWindowOpening(now, r.windowStart, r.windowEnd);
      await this.store.robots.advance(r.type, r.nextRunAt, {
        nextRunAt: opening,
        lastStartedAt: r.lastStartedAt ?? 0,
        lastJobId: r.lastJobId,
      });
      return;
    }
    const next = {
      nextRunAt: now + (r.intervalMs ?? 0),
      lastStartedAt: now,
      lastJobId: r.lastJobId,
    };
    if (!(await this.store.robots.advance(r.type, r.nextRunAt, next))) return;
    const start = { createdBy: 'scheduler', trigger: 'schedule' } as const;
    // The type comes from the robots table: checked against the registry when queued.
    let res = await this.queue.enqueueByName(r.type, {}, start);
    const watchdog = this.queue.definition(r.type).robot?.watchdog === true;
    if (!res.created && watchdog && (res.job.leaseUntil ?? Infinity) < now) {
      // A crashed watchdog cannot reclaim itself: clear its expired lease here so it never blocks the next run.
      const reclaimed = await this.store.jobs.reclaimExpiredLeases(now);
      this.log.warn({ reclaimed, jobId: res.job.id, type: r.type }, 'reclaimed a stuck watchdog');
      res = await this.queue.enqueueByName(r.type, {}, start);
    }
    await this.store.robots.advance(r.type, next.nextRunAt, { ...next, lastJobId: res.job.id });
  }
}
