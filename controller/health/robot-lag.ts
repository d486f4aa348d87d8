/**
 * How far behind its schedule a periodic robot is, the longest of:
 * - late to start, as the robots report says (its next run time passed without a start);
 * - waiting: the oldest of its queued jobs has been due this long (its instances are all
 *   held, by a hung run for instance: a robot of several instances queues a new job at each
 *   interval, so its newest job alone never looks late);
 * - stalled: its last run is still going an interval after it started. A singleton robot
 *   whose run hangs is this case: the scheduler finds the hung job and queues nothing.
 */
import { robotLateness } from '../reports/robot-status';
import type { JobRecord, RobotRecord } from '../store/records';
import type { Store } from '../store/store';

/** Queued jobs looked at per robot: a longer backlog is older still, so the lag only grows. */
const QUEUED_SAMPLE = 50;

export function robotLagMs(
  r: RobotRecord,
  lastJob: JobRecord | null,
  now: number,
  oldestQueuedRunAt: number | null = null,
): number {
  if (!r.enabled || r.intervalMs === null) return 0;
  const late = robotLateness(r, lastJob, now, 0) ?? 0;
  const waiting = oldestQueuedRunAt === null ? 0 : Math.max(0, now - oldestQueuedRunAt);
  const stalled =
    lastJob?.state === 'running' && lastJob.startedAt !== null
      ? Math.max(0, now - (lastJob.startedAt + r.intervalMs))
      : 0;
  return Math.max(late, waiting, stalled);
}

/** The lag of every enabled periodic robot of the given types. */
export async function robotLags(
  store: Pick<Store, 'robots' | 'jobs'>,
  types: readonly string[],
  now: number,
): Promise<Array<{ robot: RobotRecord; lagMs: number }>> {
  const out: Array<{ robot: RobotRecord; lagMs: number }> = [];
  for (const r of await store.robots.list()) {
    if (!types.includes(r.type) || !r.enabled || r.intervalMs === null) continue;
    const lastJob = r.lastJobId ? await store.jobs.get(r.lastJobId) : null;
    const queued = await store.jobs.list(
      { type: [r.type], state: ['queued'] },
      { limit: QUEUED_SAMPLE },
    );
    const oldest = queued.items.reduce<number | null>(
      (m, j) => (m === null || j.runAt < m ? j.runAt : m),
      null,
    );
    out.push({ robot: r, lagMs: robotLagMs(r, lastJob, now, oldest) });
  }
  return out;
}
