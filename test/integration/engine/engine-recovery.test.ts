import { afterEach, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';

const admin = { createdBy: 'tester', trigger: 'admin' as const };

describe('engine: leases, the watchdog and limits', () => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('reclaims a job whose worker died and runs it again elsewhere', async () => {
    t = await startTestEngine({ leaseMs: 300 });
    await t.engine.stop(0);
    // A worker that claims and then goes silent: its lease is never renewed.
    const { job } = await t.queue.enqueue('test-sleep', { ms: 0 }, admin);
    const [claimed] = await t.store.jobs.claim({
      workerId: 'dead-worker',
      capacity: { 'test-sleep': 1 },
      limit: 1,
      leaseMs: 300,
      now: Date.now(),
    });
    expect(claimed?.id).toBe(job.id);
    await t.store.workers.upsert({
      id: 'dead-worker',
      hostname: 'gone',
      pid: 1,
      startedAt: 0,
      heartbeatAt: 0,
    });
    const live = t.newEngine();
    await live.start();
    await new Promise((r) => setTimeout(r, 350));
    const { job: pm } = await t.queue.enqueue('internal-process-manager', {}, admin);
    const pmDone = await t.waitForState(pm.id, ['completed']);
    expect(pmDone.result).toMatchObject({ requeued: 1, deadWorkers: 1 });
    const done = await t.waitForState(job.id, ['completed']);
    expect(done).toMatchObject({ attempts: 2, workerId: null });
    expect((await t.store.workers.list()).map((w) => w.id)).not.toContain('dead-worker');
  });

  it('keeps at most one queued or running job of a singleton type', async () => {
    t = await startTestEngine();
    await t.engine.stop(0);
    const a = await t.queue.enqueue('internal-purge-jobs', {}, admin);
    const b = await t.queue.enqueue('internal-purge-jobs', {}, admin);
    expect(b).toMatchObject({ created: false, job: { id: a.job.id } });
  });

  it('never runs more jobs of a type at once than its limit', async () => {
    let running = 0;
    let peak = 0;
    t = await startTestEngine({
      concurrency: 8,
      limitFor: (type) => (type === 'test-sleep' ? 2 : 8),
    });
    const ids = [];
    for (let i = 0; i < 8; i++)
      ids.push((await t.queue.enqueue('test-sleep', { ms: 60 }, admin)).job.id);
    const watcher = setInterval(() => {
      void t?.store.jobs
        .list({ type: ['test-sleep'], state: ['running'] }, { limit: 50 })
        .then((p) => {
          running = p.items.length;
          peak = Math.max(peak, running);
        });
    }, 10);
    for (const id of ids) await t.waitForState(id, ['completed']);
    clearInterval(watcher);
    expect(peak).toBe(2);
  });

  it('starts a job queued in this process without waiting for a poll', async () => {
    t = await startTestEngine();
    const slow = t.newEngine({ pollIntervalMs: 60_000 });
    await t.engine.stop(0);
    await slow.start();
    const queuedAt = Date.now();
    const { job } = await t.queue.enqueue('test-sleep', { ms: 0 }, admin);
    const done = await t.waitForState(job.id, ['completed']);
    expect((done.startedAt ?? Infinity) - queuedAt).toBeLessThan(1000);
  });
});
