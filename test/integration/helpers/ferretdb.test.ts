/**
 * The test MongoDB helper: under vitest one FerretDB serves the run, each caller with a
 * database of its own that stop() drops; a caller that stops or pauses the server gets a
 * process of its own.
 */
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { SHARED_FERRETDB_ENV, startFerretDb, type TestMongo } from '../../helpers/ferretdb';

const external = Boolean(process.env.KEYWARDEN_TEST_MONGODB_URL);

describe.skipIf(external)('startFerretDb', () => {
  const started: TestMongo[] = [];
  const clients: MongoClient[] = [];
  const start = async (opts?: { ownProcess?: boolean }) => {
    const m = await startFerretDb(opts);
    started.push(m);
    return m;
  };
  const client = async (url: string) => {
    const c = new MongoClient(url, { serverSelectionTimeoutMS: 1500 });
    clients.push(c);
    await c.connect();
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const m of started.splice(0)) await m.stop();
  });

  it('gives each caller its own database on the run’s one server, dropped by stop()', async () => {
    expect(process.env[SHARED_FERRETDB_ENV]).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const a = await start();
    const b = await start();
    const [ua, ub] = [new URL(a.url), new URL(b.url)];
    expect(ua.host).toBe(new URL(process.env[SHARED_FERRETDB_ENV]!).host);
    expect(ub.host).toBe(ua.host);
    expect(ua.pathname).not.toBe(ub.pathname);
    // The shared server cannot be paused for one caller.
    expect(a.signal).toBeUndefined();

    const ca = await client(a.url);
    const cb = await client(b.url);
    await ca.db().collection('things').insertOne({ owner: 'a' });
    expect(await cb.db().collection('things').countDocuments()).toBe(0);

    const dbA = ua.pathname.slice(1);
    const listed = async () => (await cb.db().admin().listDatabases()).databases.map((d) => d.name);
    expect(await listed()).toContain(dbA);
    await a.stop();
    started.splice(started.indexOf(a), 1);
    expect(await listed()).not.toContain(dbA);
    // The other caller's server and database are still there.
    await cb.db().collection('things').insertOne({ owner: 'b' });
    expect(await cb.db().collection('things').countDocuments()).toBe(1);
  });

  it('starts a server of its own on request, which stop() ends', async () => {
    const own = await start({ ownProcess: true });
    expect(new URL(own.url).host).not.toBe(new URL(process.env[SHARED_FERRETDB_ENV]!).host);
    expect(typeof own.signal).toBe('function');
    const c = await client(own.url);
    await c.db().collection('x').insertOne({ n: 1 });
    await own.stop();
    started.splice(started.indexOf(own), 1);
    await expect(c.db().collection('x').countDocuments()).rejects.toThrow();
  });
});
