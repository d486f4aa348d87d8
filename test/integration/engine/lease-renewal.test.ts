/**
 * A worker that cannot renew a job's lease must stop the job before the lease runs out:
 * after that the watchdog gives the job to another worker, and work still going on here
 * would run beside it. The store is made unreachable for real under a running job (the
 * worker's own connection is closed); the job's signal must fire before the last lease
 * that was granted ends, and the job then runs once more, on the next claim only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../controller/config/load-config';
import { Engine } from '../../../controller/engine/engine';
import { defineJob } from '../../../controller/engine/job-definition';
import { JobQueue, type JobRegistry } from '../../../controller/engine/job-queue';
import { buildRegistry } from '../../../controller/jobs/registry';
import { openMongoStore } from '../../../controller/store/mongodb/open-mongo-store';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { JobState } from '../../../controller/store/records';
import type { Store } from '../../../controller/store/store';
import { startFerretDb, type TestMongo } from '../../helpers/ferretdb';

// Long enough that the give-up margin (a quarter) outlasts timer lag on a loaded machine.
const LEASE_MS = 2400;
const admin = { createdBy: 'tester', trigger: 'admin' as const };

interface Run {
  attempt: number;
  abortedAt: number | null;
  reason: { code?: string } | null;
}

/** Records each run (its side effect); the first waits for its signal, a later one ends. */
function leaseWatchJob(runs: Run[]) {
  return defineJob({
    type: 'test-lease-watch',
    describe: 'Test fixture: records each run and when its signal fired',
    params: Type.Object({}),
    runsOn: 'controller',
    timeoutMs: 60_000,
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
    idempotent: true,
    async run(_params, ctx) {
      const run: Run = { attempt: ctx.job.attempts, abortedAt: null, reason: null };
      runs.push(run);
      if (ctx.job.attempts > 1) return { ranOnAttempt: ctx.job.attempts };
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener(
          'abort',
          () => {
            run.abortedAt = Date.now();
            run.reason = ctx.signal.reason as { code?: string };
            resolve();
          },
          { once: true },
        ),
      );
      throw ctx.signal.reason as Error;
    },
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | null> | T | null, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const waitForEnd = (store: Store, id: string) =>
  waitFor('the job to end', async () => {
    const j = await store.jobs.get(id);
    const ended: JobState[] = ['completed', 'failed', 'cancelled'];
    return j && ended.includes(j.state) ? j : null;
  });

describe('engine: a lease that cannot be renewed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-lease-'));
  const dbPath = path.join(dir, 'keywarden.db');
  const config = loadConfig({ KEYWARDEN_DATA_DIR: dir, KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true' });
  const log = pino({ level: process.env.KEYWARDEN_TEST_LOG ?? 'silent' });
  const engines: Engine[] = [];
  const stores: Store[] = [];
  let server: TestMongo | undefined;
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop(0);
    for (const s of stores.splice(0)) await s.close();
    await server?.stop();
    server = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const engineOn = (store: Store, registry: JobRegistry) => {
    const e = new Engine({
      config,
      store,
      queue: new JobQueue(store, registry),
      log,
      concurrency: 4,
      claimBatch: 8,
      leaseMs: LEASE_MS,
      pollIntervalMs: 50,
      heartbeatMs: 1000,
      types: ['test-lease-watch'],
    });
    engines.push(e);
    return e;
  };

  it('aborts the job before its lease ends when the store is lost, and runs it once per claim', async () => {
    const runs: Run[] = [];
    const registry = {
      ...buildRegistry({ testJobTypes: true }),
      'test-lease-watch': leaseWatchJob(runs),
    };
    const observer = openSqliteStore(dbPath);
    const workerStore = openSqliteStore(dbPath);
    stores.push(observer);
    const { job } = await new JobQueue(observer, registry).enqueueByName(
      'test-lease-watch',
      {},
      admin,
    );

    await engineOn(workerStore, registry).start();
    await waitFor('the first run', () => (runs.length === 1 ? runs[0]! : null));
    // Let a renewal or two succeed, so the lease to beat is a renewed one, not the claim's.
    const claimed = await observer.jobs.get(job.id);
    await waitFor('a renewal', async () => {
      const now = await observer.jobs.get(job.id);
      return (now?.leaseUntil ?? 0) > (claimed?.leaseUntil ?? 0) ? now : null;
    });
    await workerStore.close();

    const first = await waitFor('the first run to be aborted', () =>
      runs[0]?.abortedAt ? runs[0] : null,
    );
    const held = await observer.jobs.get(job.id);
    expect(held).toMatchObject({ state: 'running', attempts: 1 });
    expect(first.reason?.code).toBe('LEASE_LOST');
    expect(first.abortedAt).toBeLessThan(held!.leaseUntil!);

    // The watchdog takes the job back once the lease has passed; another worker runs it.
    await waitFor('the lease to be reclaimed', async () => {
      const r = await observer.jobs.reclaimExpiredLeases(Date.now());
      return r.requeued.includes(job.id) ? r : null;
    });
    await engineOn(observer, registry).start();
    const done = await waitForEnd(observer, job.id);
    expect(done).toMatchObject({ state: 'completed', attempts: 2, result: { ranOnAttempt: 2 } });
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it('aborts the job before its lease ends when the MongoDB server hangs', async (t) => {
    // A server of its own: pausing the run's shared one would stall every other test on it.
    server = await startFerretDb({ ownProcess: true });
    // A real MongoDB (KEYWARDEN_TEST_MONGODB_URL) cannot be paused from here.
    if (!server.signal) return t.skip();
    const runs: Run[] = [];
    const registry = {
      ...buildRegistry({ testJobTypes: true }),
      'test-lease-watch': leaseWatchJob(runs),
    };
    const observer = await openMongoStore(server.url);
    const workerStore = await openMongoStore(server.url);
    stores.push(observer, workerStore);
    const { job } = await new JobQueue(observer, registry).enqueueByName(
      'test-lease-watch',
      {},
      admin,
    );
    await engineOn(workerStore, registry).start();
    await waitFor('the first run', () => (runs.length === 1 ? runs[0]! : null));
    const claimed = await observer.jobs.get(job.id);
    await waitFor('a renewal', async () => {
      const now = await observer.jobs.get(job.id);
      return (now?.leaseUntil ?? 0) > (claimed?.leaseUntil ?? 0) ? now : null;
    });

    // The server stops answering: renewals neither succeed nor fail, they hang.
    const pausedAt = Date.now();
    server.signal('SIGSTOP');
    let first: Run;
    try {
      first = await waitFor('the first run to be aborted', () =>
        runs[0]?.abortedAt ? runs[0] : null,
      );
    } finally {
      server.signal('SIGCONT');
    }
    expect(first.reason?.code).toBe('LEASE_LOST');
    // Every lease granted before the pause ends by pausedAt + LEASE_MS at the latest.
    expect(first.abortedAt).toBeLessThan(pausedAt + LEASE_MS);

    // Once the lease has passed the job is reclaimed and runs on its next claim only.
    await waitFor('the lease to be reclaimed', async () => {
      const r = await observer.jobs.reclaimExpiredLeases(Date.now());
      return r.requeued.includes(job.id) ? r : null;
    });
    const done = await waitForEnd(observer, job.id);
    expect(done).toMatchObject({ state: 'completed', attempts: 2, result: { ranOnAttempt: 2 } });
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
  });
});
