/** The robots panel: every robot of a registered job type with its settings and status. */
import type { JobRegistry } from '../engine/job-queue';
import type { RobotRecord } from '../store/records';
import type { Store } from '../store/store';
import { robotStatus, type RobotStatus } from './robot-status';

export interface RobotView extends RobotRecord {
  describe: string;
  status: RobotStatus;
  running: number;
}

export async function runningCountByType(store: Pick<Store, 'jobs'>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let after: string | undefined;
  do {
    const page = await store.jobs.list({ state: ['running'] }, { limit: 500, after });
    for (const j of page.items) counts.set(j.type, (counts.get(j.type) ?? 0) + 1);
    after = page.nextCursor ?? undefined;
  } while (after);
  return counts;
}

export async function robotView(
  store: Pick<Store, 'jobs'>,
  registry: JobRegistry,
  r: RobotRecord,
  running: number,
  now: number,
  lateAfterMs: number,
): Promise<RobotView> {
  const lastJob = r.lastJobId ? await store.jobs.get(r.lastJobId) : null;
  return {
    ...r,
    describe: registry[r.type]?.describe ?? '',
    running,
    status: robotStatus(r, { now, running, lastJob, lateAfterMs }),
  };
}

export async function listRobots(
  store: Pick<Store, 'jobs' | 'robots'>,
  registry: JobRegistry,
  now: number,
  lateAfterMs: number,
): Promise<RobotView[]> {
  const [robots, running] = await Promise.all([store.robots.list(), runningCountByType(store)]);
  return Promise.all(
    robots
      .filter((r) => Object.hasOwn(registry, r.type))
      .map((r) => robotView(store, registry, r, running.get(r.type) ?? 0, now, lateAfterMs)),
  );
}
