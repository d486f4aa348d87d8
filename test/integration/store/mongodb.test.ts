import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMongoStore } from '../../../controller/store/mongodb/open-mongo-store';
import type { Store } from '../../../controller/store/store';
import { startFerretDb, type TestMongo } from '../../helpers/ferretdb';
import { describeStoreContract, newJob } from './store-contract';

// Against FerretDB (or KEYWARDEN_TEST_MONGODB_URL): FerretDB's conditional updates are not
// atomic, so the race test here proves that claims are decided by unique inserts.
describeStoreContract('mongodb (FerretDB)', async () => {
  const server = await startFerretDb();
  const store = await openMongoStore(server.url);
  const seconds: Store[] = [];
  return {
    store,
    openSecond: async () => {
      const s = await openMongoStore(server.url);
      seconds.push(s);
      return s;
    },
    cleanup: async () => {
      await store.close();
      for (const s of seconds) await s.close();
      await server.stop();
    },
  };
});

const T0 = 1_800_000_000_000;

describe('mongodb store: adapter specifics', () => {
  let server: TestMongo;
  let store: Store;
  beforeAll(async () => {
    server = await startFerretDb();
    store = await openMongoStore(server.url);
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it('opens an existing database again without redoing its migrations', async () => {
    const again = await openMongoStore(server.url);
    try {
      expect(await again.jobs.list({}, { limit: 1 })).toEqual({ items: [], nextCursor: null });
    } finally {
      await again.close();
    }
  });

  it('lets exactly one of many racing enqueuers create a job per dedupe key', async () => {
    const others = await Promise.all([1, 2, 3].map(() => openMongoStore(server.url)));
    try {
      const stores = [store, ...others];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]!.jobs.enqueue(newJob({ type: 'm-race', dedupeKey: 'k' }), T0),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    } finally {
      for (const s of others) await s.close();
    }
  });

  it('lets exactly one of racing schedulers advance a robot', async () => {
    const other = await openMongoStore(server.url);
    try {
      await store.robots.ensure({
        type: 'm-robot',
        instances: 1,
        intervalMs: 1000,
        windowStart: null,
        windowEnd: null,
        enabled: true,
        nextRunAt: T0,
        lastStartedAt: null,
        lastJobId: null,
        updatedAt: T0,
        updatedBy: 'system',
      });
      const next = { nextRunAt: T0 + 1000, lastStartedAt: T0, lastJobId: null };
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).robots.advance('m-robot', T0, next),
        ),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      const later = { nextRunAt: T0 + 2000, lastStartedAt: T0 + 1000, lastJobId: null };
      expect(await store.robots.advance('m-robot', T0 + 1000, later)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('reads and claims a job queued before lanes existed as normal-lane work', async () => {
    const { job } = await store.jobs.enqueue(newJob({ type: 'm-lane-old' }), T0);
    // As written by a controller from before lanes: no lane field at all.
    const raw = new MongoClient(server.url);
    try {
      await raw.connect();
      await raw
        .db()
        .collection('jobs')
        .updateOne({ _id: job.id as never }, { $unset: { lane: '' } });
    } finally {
      await raw.close();
    }
    expect(await store.jobs.get(job.id)).toMatchObject({ state: 'queued', lane: 'normal' });
    const claimed = await store.jobs.claim({
      workerId: 'w-lane',
      capacity: { 'm-lane-old': 1 },
      limit: 1,
      leaseMs: 1000,
      now: T0,
      bulkLimit: 0,
    });
    expect(claimed.map((j) => [j.id, j.lane])).toEqual([[job.id, 'normal']]);
  });

  it('lets exactly one of racing claimers take a job past a claim orphaned by a crash', async () => {
    const { job } = await store.jobs.enqueue(newJob({ type: 'm-orphan' }), T0);
    // The claim document of a controller that died before updating the job.
    const raw = new MongoClient(server.url);
    try {
      await raw.connect();
      await raw
        .db()
        .collection('job_claims')
        .insertOne({
          _id: `${job.id}:1` as never,
          jobId: job.id,
          workerId: 'dead',
          at: T0,
          leaseUntil: T0 + 1000,
        });
    } finally {
      await raw.close();
    }
    const claim = (s: Store, workerId: string, now: number) =>
      s.jobs.claim({ workerId, capacity: { 'm-orphan': 1 }, limit: 1, leaseMs: 1000, now });
    expect(await claim(store, 'early', T0 + 999)).toEqual([]);
    const others = await Promise.all([1, 2].map(() => openMongoStore(server.url)));
    try {
      const stores = [store, ...others];
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => claim(stores[i % stores.length]!, `w${i}`, T0 + 1001)),
      );
      const winners = results.flat();
      expect(winners).toHaveLength(1);
      expect(await store.jobs.get(job.id)).toMatchObject({
        state: 'running',
        attempts: 1,
        workerId: winners[0]!.workerId,
      });
    } finally {
      for (const s of others) await s.close();
    }
  });

  it('takes over a claim again when the worker that took over an orphan crashed too', async () => {
    const { job } = await store.jobs.enqueue(newJob({ type: 'm-orphan-2' }), T0);
    const raw = new MongoClient(server.url);
    try {
      await raw.connect();
      const orphan = { jobId: job.id, at: T0, leaseUntil: T0 + 1000 };
      await raw
        .db()
        .collection('job_claims')
        .insertMany([
          { _id: `${job.id}:1` as never, workerId: 'dead', ...orphan },
          { _id: `${job.id}:1~1` as never, workerId: 'dead-too', ...orphan, leaseUntil: T0 + 2000 },
        ]);
    } finally {
      await raw.close();
    }
    const claim = (now: number) =>
      store.jobs.claim({
        workerId: 'w',
        capacity: { 'm-orphan-2': 1 },
        limit: 1,
        leaseMs: 1000,
        now,
      });
    expect(await claim(T0 + 1500)).toEqual([]); // the second taker's lease still runs
    expect(await claim(T0 + 2001)).toMatchObject([{ id: job.id, attempts: 1, workerId: 'w' }]);
  });

  it('completes a group in one call, refusing the items whose lease is not held', async () => {
    const a = await store.jobs.enqueue(newJob({ type: 'm-group' }), T0);
    const b = await store.jobs.enqueue(newJob({ type: 'm-group' }), T0);
    await store.jobs.claim({
      workerId: 'w',
      capacity: { 'm-group': 2 },
      limit: 2,
      leaseMs: 1000,
      now: T0,
    });
    const flags = await store.jobs.completeMany(
      [
        { lease: { id: a.job.id, attempt: 1, workerId: 'w' }, result: { a: 1 } },
        { lease: { id: b.job.id, attempt: 1, workerId: 'other' }, result: null },
      ],
      T0 + 1,
    );
    expect(flags).toEqual([true, false]);
    expect(await store.jobs.get(a.job.id)).toMatchObject({ state: 'completed', result: { a: 1 } });
    expect(await store.jobs.get(b.job.id)).toMatchObject({ state: 'running' });
  });

  it('reports a stopped server as STORE_UNAVAILABLE, keeping the driver error as cause', async () => {
    // A server of its own to stop: the run's shared one serves other tests.
    const own = await startFerretDb({ ownProcess: true });
    const url = new URL(own.url);
    url.searchParams.set('serverSelectionTimeoutMS', '1500');
    const s = await openMongoStore(url.toString());
    await own.stop();
    try {
      const err = await s.jobs.get('x').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      expect((err as Error).cause).toBeInstanceOf(Error);
    } finally {
      await s.close();
    }
  });
});
