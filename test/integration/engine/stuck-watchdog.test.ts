/**
 * The watchdog robot (the definition that says `robot.watchdog`) reclaims expired leases,
 * so a run of it stuck with an expired lease cannot reclaim itself: the robot scheduler
 * clears it before starting the next run. Behaviour kept from when the scheduler named
 * internal-process-manager; now the definition says which robot it is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../../controller/engine/job-queue';
import { RobotScheduler } from '../../../controller/engine/robot-scheduler';
import { buildRegistry } from '../../../controller/jobs/registry';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';

describe('a stuck watchdog', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-watchdog-'));
  let store: Store;
  beforeAll(() => {
    store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is reclaimed by the scheduler, which then starts the next run', async () => {
    let now = Date.UTC(2030, 0, 1);
    const queue = new JobQueue(store, buildRegistry({ testJobTypes: false }), () => now);
    const scheduler = new RobotScheduler(
      store,
      queue,
      pino({ level: 'silent' }),
      60_000,
      () => now,
    );
    await scheduler.ensureRobots();
    const watchdog = Object.values(queue.registry).find((d) => d.robot?.watchdog)?.type;
    expect(watchdog).toBe('internal-process-manager');
    // Both robots' runs are claimed by a worker that then dies with their leases.
    const stuck = ['internal-process-manager', 'internal-purge-jobs'];
    for (const type of stuck)
      await queue.enqueueByName(type, {}, { createdBy: 't', trigger: 'schedule' });
    const claimed = await store.jobs.claim({
      workerId: 'dead-worker',
      capacity: Object.fromEntries(stuck.map((t) => [t, 1])),
      limit: 2,
      leaseMs: 1000,
      now,
    });
    expect(claimed).toHaveLength(2);
    now += 5_000;
    await scheduler.tick();
    const robots = new Map((await store.robots.list()).map((r) => [r.type, r]));
    const watchdogRun = await store.jobs.get(robots.get('internal-process-manager')!.lastJobId!);
    expect(watchdogRun).toMatchObject({ state: 'queued', workerId: null });
    // Reclaiming is the watchdog's one operation: every expired lease goes back, as in its run.
    const [purge] = claimed.filter((j) => j.type === 'internal-purge-jobs');
    expect((await store.jobs.get(purge!.id))?.state).toBe('queued');
  });
});
