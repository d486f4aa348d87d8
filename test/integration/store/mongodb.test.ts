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
    const own = await startFerretDb();
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
