import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobState } from '../../../controller/store/records';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';

const DAY = 86_400_000;

describe('internal-purge-jobs', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await startTestEngine();
    await t.engine.stop(0);
  });
  afterEach(async () => t.stop());

  /** A job of `type` that ended in `state` at `finishedAt` (written through the store). */
  const ended = async (type: string, state: JobState, finishedAt: number) => {
    const { job } = await t.store.jobs.enqueue(
      { type, params: {}, maxAttempts: 1, createdBy: 'test', trigger: 'admin' },
      finishedAt,
    );
    await t.store.jobs.claim({
      workerId: 'w',
      capacity: { [type]: 1 },
      limit: 1,
      leaseMs: 1000,
      now: finishedAt,
    });
    const lease = { id: job.id, attempt: 1, workerId: 'w' };
    if (state === 'completed') await t.store.jobs.complete(lease, null, finishedAt);
    else
      await t.store.jobs.fail(
        lease,
        { code: 'X', message: 'x', retryable: false },
        null,
        finishedAt,
      );
    return job.id;
  };

  it('deletes old records and successful internal runs past the grace, keeping the rest', async () => {
    const now = Date.now();
    const oldFailed = await ended('test-sleep', 'failed', now - 61 * DAY);
    const recentFailed = await ended('test-sleep', 'failed', now - 59 * DAY);
    const internalOld = await ended('internal-process-manager', 'completed', now - 20 * 60_000);
    const internalJustNow = await ended('internal-process-manager', 'completed', now - 1000);
    const internalFailed = await ended('internal-process-manager', 'failed', now - 20 * 60_000);
    const reporting = await ended('internal-reporting', 'completed', now - 20 * 60_000);

    const engine = t.newEngine();
    await engine.start();
    const { job } = await t.queue.enqueue(
      'internal-purge-jobs',
      {},
      { createdBy: 'test', trigger: 'admin' },
    );
    const done = await t.waitForState(job.id, ['completed', 'failed']);
    expect(done.result).toEqual({ purgedOld: 1, purgedInternal: 1 });
    const exists = async (id: string) => (await t.store.jobs.get(id)) !== null;
    expect(await exists(oldFailed)).toBe(false);
    expect(await exists(internalOld)).toBe(false);
    expect(await exists(recentFailed)).toBe(true);
    expect(await exists(internalJustNow)).toBe(true);
    expect(await exists(internalFailed)).toBe(true);
    expect(await exists(reporting)).toBe(true);
  });
});
