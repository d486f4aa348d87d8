import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';

const admin = { createdBy: 'tester', trigger: 'admin' as const };

describe('engine: a job from queued to its end', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await startTestEngine();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('runs a queued job and stores its result', async () => {
    const { job } = await t.queue.enqueue('test-sleep', { ms: 5 }, admin);
    const done = await t.waitForState(job.id, ['completed']);
    expect(done).toMatchObject({ result: { slept: 5 }, attempts: 1, error: null, workerId: null });
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt ?? 0);
  });

  it('retries a retryable failure with backoff, then succeeds', async () => {
    const { job } = await t.queue.enqueue('test-flaky', { failures: 2 }, admin);
    const done = await t.waitForState(job.id, ['completed', 'failed']);
    expect(done.state).toBe('completed');
    expect(done.result).toEqual({ succeededOnAttempt: 3 });
    // The last error is kept for the operator even though the job succeeded later.
    expect(done.error).toMatchObject({ code: 'TEST_FLAKY', message: 'attempt 2 fails on purpose' });
  });

  it('fails at once on a non-retryable error', async () => {
    const { job } = await t.queue.enqueue('test-flaky', { failures: 1, retryable: false }, admin);
    const done = await t.waitForState(job.id, ['completed', 'failed']);
    expect(done).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'TEST_FLAKY', retryable: false },
    });
  });

  it('fails when attempts are used up', async () => {
    const { job } = await t.queue.enqueue('test-flaky', { failures: 5 }, admin);
    const done = await t.waitForState(job.id, ['completed', 'failed']);
    expect(done).toMatchObject({ state: 'failed', attempts: 3, error: { code: 'TEST_FLAKY' } });
  });

  it('cancels a running job through its AbortSignal', async () => {
    const { job } = await t.queue.enqueue('test-sleep', { ms: 30_000 }, admin);
    await t.waitForState(job.id, ['running']);
    const flagged = await t.store.jobs.requestCancel(job.id, Date.now());
    expect(flagged).toMatchObject({ state: 'running', cancelRequested: true });
    const done = await t.waitForState(job.id, ['cancelled'], 5000);
    expect(done.finishedAt).not.toBeNull();
  });

  it('cancels a queued job at once, and it never runs', async () => {
    const { job } = await t.queue.enqueue(
      'test-sleep',
      { ms: 0 },
      { ...admin, runAt: Date.now() + 60_000 },
    );
    expect(await t.store.jobs.requestCancel(job.id, Date.now())).toMatchObject({
      state: 'cancelled',
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(await t.store.jobs.get(job.id)).toMatchObject({
      state: 'cancelled',
      attempts: 0,
      startedAt: null,
    });
  });

  it('finishes a parent when all its children have ended, counting them', async () => {
    const { job } = await t.queue.enqueue('test-parent', { children: [0, 0, 1] }, admin);
    const done = await t.waitForState(job.id, ['completed', 'failed']);
    expect(done.state).toBe('completed');
    expect(done.result).toMatchObject({ children: { completed: 2, failed: 1, total: 3 } });
    const kids = await t.store.jobs.list({ parentId: job.id }, { limit: 10 });
    expect(kids.items.map((k) => k.state).sort()).toEqual(['completed', 'completed', 'failed']);
    expect(kids.items.every((k) => k.trigger === 'parent')).toBe(true);
  });

  it('finishes a grandparent as soon as its last child, itself a parent, ends', async () => {
    // No watchdog runs in this engine: only the engine itself can finish the tree.
    const { job } = await t.queue.enqueue(
      'test-parent',
      { children: [0], nested: [[0, 0], [1]] },
      admin,
    );
    const done = await t.waitForState(job.id, ['completed', 'failed'], 5000);
    expect(done.result).toMatchObject({ children: { completed: 3, total: 3 } });
    const middle = await t.store.jobs.list(
      { parentId: job.id, type: ['test-parent'] },
      { limit: 10 },
    );
    expect(middle.items.map((m) => m.state)).toEqual(['completed', 'completed']);
    const counts = await Promise.all(middle.items.map((m) => t.store.jobs.countChildren(m.id)));
    expect(counts.map((c) => c.completed + c.failed).sort()).toEqual([1, 2]);
  });

  it('rejects unknown types and bad params, naming the field, and queues nothing', async () => {
    // Each is a compile error too (test/unit/engine/job-typing.test.ts); a request is not.
    // @ts-expect-error an unknown type
    await expect(t.queue.enqueue('no-such-type', {}, admin)).rejects.toMatchObject({
      code: 'UNKNOWN_JOB_TYPE',
      httpStatus: 404,
    });
    await expect(t.queue.enqueue('test-sleep', { ms: -1 }, admin)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('ms'),
    });
    await expect(
      t.queue.enqueueMany([
        { type: 'test-sleep', params: { ms: 1 }, opts: admin },
        // @ts-expect-error a param of the wrong type
        { type: 'test-sleep', params: { ms: 'x' }, opts: admin },
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // @ts-expect-error a param the type does not declare
    await expect(t.queue.enqueue('test-sleep', { ms: 1, msx: 2 }, admin)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('msx'),
    });
    expect((await t.store.jobs.list({ type: ['test-sleep'] }, { limit: 10 })).items).toEqual([]);
  });

  it('expires a queued job whose deadline passed instead of running it', async () => {
    const { job } = await t.queue.enqueue(
      'test-sleep',
      { ms: 0 },
      { ...admin, runAt: Date.now() + 60_000, deadline: Date.now() + 50 },
    );
    await new Promise((r) => setTimeout(r, 80));
    const { job: pm } = await t.queue.enqueue('internal-process-manager', {}, admin);
    const pmDone = await t.waitForState(pm.id, ['completed']);
    expect(pmDone.result).toMatchObject({ expired: 1 });
    expect(await t.store.jobs.get(job.id)).toMatchObject({ state: 'expired' });
  });
});
