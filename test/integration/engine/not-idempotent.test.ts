/**
 * A job type that is not idempotent (a second run has a second effect: a second ICB token, a
 * second key) gets one attempt: a retryable failure does not run it again, and neither does
 * the watchdog when its worker died mid-run. Idempotent types keep their retry policy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, defineJob } from '../../../controller/engine/job-definition';
import { JobQueue } from '../../../controller/engine/job-queue';
import { buildRegistry } from '../../../controller/jobs/registry';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';

const fixture = { describe: 'fixture', params: Type.Object({}), runsOn: 'controller' as const };
const run = async () => null;
// @ts-expect-error a job that is not idempotent cannot ask for retries (and gets none)
const mintsToken = defineJob({
  ...fixture,
  type: 'mints-token',
  timeoutMs: 1000,
  retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
  run,
});
const rescans = defineJob({ ...fixture, type: 'rescans', timeoutMs: 1000, idempotent: true, run });

describe('jobs that are not idempotent', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-once-'));
  let store: Store;
  let queue: JobQueue;
  beforeAll(() => {
    store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
    queue = new JobQueue(store, { 'mints-token': mintsToken, rescans });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('get one attempt; idempotent ones their policy, DEFAULT_RETRY when they give none', () => {
    expect(mintsToken.retry.maxAttempts).toBe(1);
    expect(rescans.retry).toEqual(DEFAULT_RETRY);
    const registry = buildRegistry({ testJobTypes: false });
    for (const type of ['create-icb', 'generate-private-key', 'device-discovery'])
      expect(registry[type]?.retry.maxAttempts, type).toBe(1);
    for (const d of Object.values(registry))
      if (!d.idempotent) expect(d.retry.maxAttempts, d.type).toBe(1);
  });

  it('are failed, not run again, when the worker running them died', async () => {
    const opts = { createdBy: 'tester', trigger: 'admin' as const };
    const once = (await queue.enqueueByName('mints-token', {}, opts)).job;
    const again = (await queue.enqueueByName('rescans', {}, opts)).job;
    const now = Date.now();
    const claimed = await store.jobs.claim({
      workerId: 'dead-worker',
      capacity: { 'mints-token': 1, rescans: 1 },
      limit: 2,
      leaseMs: 100,
      now,
    });
    expect(claimed.map((j) => j.id).sort()).toEqual([once.id, again.id].sort());
    const reclaimed = await store.jobs.reclaimExpiredLeases(now + 1000);
    expect(reclaimed).toMatchObject({ failed: [once.id], requeued: [again.id] });
    expect(await store.jobs.get(once.id)).toMatchObject({
      state: 'failed',
      error: { code: 'LEASE_EXPIRED' },
    });
  });
});
