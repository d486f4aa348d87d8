import { afterEach, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';

/** As the internal-scheduler queues periodic host scans (host-scan-scheduler.ts). */
const scheduled = { createdBy: 'scheduler', trigger: 'schedule' as const };
const BULK = 1000;

describe('engine: bulk scheduled work keeps workers free for everything else', () => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  const count = async (type: string, state: string) =>
    (await t!.store.jobs.countByTypeAndState()).find((r) => r.type === type && r.state === state)
      ?.count ?? 0;

  const waitFor = async (what: string, cond: () => Promise<boolean>, timeoutMs = 20_000) => {
    const until = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > until)
        throw new Error(
          `timed out waiting for ${what}: ${JSON.stringify(await t!.store.jobs.countByTypeAndState())}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('starts an admin job and a robot while 1,000 slow scheduled scans are queued', async () => {
    t = await startTestEngine({ concurrency: 4, env: { KEYWARDEN_RESERVED_WORKERS: '1' } });
    // Scan-like jobs far slower than the test: none ends on its own while it runs.
    const queued = await t.queue.enqueueMany(
      Array.from({ length: BULK }, () => ({
        type: 'test-sleep',
        params: { ms: 55_000 },
        opts: scheduled,
      })),
    );
    // The bulk lane takes what it may (all workers but the reserved one) and keeps it.
    await waitFor('the bulk lane to fill', async () => (await count('test-sleep', 'running')) >= 3);

    const { job: adminJob } = await t.queue.enqueue(
      'test-sleep',
      { ms: 0 },
      { createdBy: 'tester', trigger: 'admin' },
    );
    const done = await t.waitForState(adminJob.id, ['completed'], 20_000);
    expect(done.result).toEqual({ slept: 0 });

    // A robot is queued by the scheduler too, and is never bulk.
    const { job: robotJob } = await t.queue.enqueue('test-robot', { ms: 0 }, scheduled);
    await t.waitForState(robotJob.id, ['completed'], 20_000);

    // They did not wait for the flood to drain: it is still there, and still capped.
    expect(await count('test-sleep', 'queued')).toBeGreaterThanOrEqual(900);
    const running = t.engine.runningJobs();
    expect(running.filter((j) => j.lane === 'bulk').length).toBeLessThanOrEqual(3);
    expect(queued.every((r) => r.job.lane === 'bulk')).toBe(true);
    expect([adminJob.lane, robotJob.lane]).toEqual(['normal', 'normal']);
  });

  it('lets bulk jobs use every worker but the reserved ones, and normal jobs all of them', async () => {
    t = await startTestEngine({ concurrency: 4, env: { KEYWARDEN_RESERVED_WORKERS: '2' } });
    expect(t.engine.bulkWorkers).toBe(2);
    await t.queue.enqueueMany(
      Array.from({ length: 10 }, () => ({
        type: 'test-sleep',
        params: { ms: 55_000 },
        opts: scheduled,
      })),
    );
    await waitFor('two bulk jobs to run', async () => (await count('test-sleep', 'running')) === 2);
    // Admin jobs may take the reserved workers (and any a bulk job leaves free).
    const admins = await t.queue.enqueueMany(
      Array.from({ length: 2 }, () => ({
        type: 'test-sleep',
        params: { ms: 55_000 },
        opts: { createdBy: 'tester', trigger: 'admin' as const },
      })),
    );
    for (const a of admins) await t.waitForState(a.job.id, ['running'], 20_000);
    expect(
      t.engine
        .runningJobs()
        .map((j) => j.lane)
        .sort(),
    ).toEqual(['bulk', 'bulk', 'normal', 'normal']);
    expect(await count('test-sleep', 'queued')).toBe(8);
  });
});
