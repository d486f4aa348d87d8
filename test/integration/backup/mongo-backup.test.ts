/**
 * backup-export of a MongoDB store (FerretDB here) through the driver, and
 * `keywarden restore --store`: taken while jobs are being queued, restored into an empty
 * database, where a new controller with the same master key finds the jobs, host and
 * sealed credential; refused into a non-empty database; a damaged collection file is
 * refused before anything is inserted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256OfFile, type BackupManifest } from '../../../controller/backup/backup-manifest';
import { generateManagementKey } from '../../../controller/agentless/management-key';
import { runCli } from '../../../controller/cli/main';
import { vaultFor } from '../../../controller/secrets/secret-boxes';
import type { JobRecord } from '../../../controller/store/records';
import { startFerretDb, type TestMongo } from '../../helpers/ferretdb';
import { startTestController, type TestController } from '../../helpers/test-controller';

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>) {
  const until = Date.now() + 240_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cli = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    {},
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('backup-export and restore of a MongoDB store (FerretDB)', () => {
  const masterKey = randomBytes(32).toString('base64');
  const work = mkdtempSync(path.join(tmpdir(), 'kw-mongo-backup-'));
  const backupDir = path.join(work, 'backups');
  let mongo: TestMongo;
  let ctl: TestController | undefined;
  let restored: TestController | undefined;
  let backupPath = '';
  let hostId = '';
  let fingerprint = '';
  const urlOf = (db: string) => {
    const u = new URL(mongo.url);
    u.pathname = `/${db}`;
    return u.toString();
  };
  let restoredUrl = '';

  const jobEnded = (c: TestController, id: string) =>
    waitFor(`job ${id}`, async () => {
      const j = (await c.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body;
      return ['completed', 'failed'].includes(j.state) ? j : null;
    });

  beforeAll(async () => {
    mongo = await startFerretDb();
    restoredUrl = urlOf(`kwrestored_${randomBytes(3).toString('hex')}`);
    ctl = await startTestController({
      env: {
        KEYWARDEN_STORE: mongo.url,
        KEYWARDEN_MASTER_KEY: masterKey,
        KEYWARDEN_BACKUP_DIR: backupDir,
        // FerretDB on a loaded shared machine can stall past the tests' usual 5 s lease;
        // this test is about the backup, not about lease timing.
        KEYWARDEN_LEASE: '30s',
      },
    });
    const { store, config } = ctl.services;
    const host = await store.hosts.create(
      {
        name: 'mongo-backup-host',
        address: '192.0.2.20',
        port: 22,
        kind: 'agentless',
        state: 'managed',
        hostKeyFingerprint: null,
        managementAccount: 'mgmt',
        agentId: null,
        os: null,
        sshProduct: null,
        lastSeenAt: null,
      },
      Date.now(),
    );
    hostId = host.id;
    const key = generateManagementKey(hostId);
    fingerprint = key.fingerprint;
    await vaultFor(config, store).putKey(hostId, 'management', key, Date.now());
    // The robot runs once at start: the test's own run must not be folded into that one.
    await waitFor('the backup run at start to end', async () => {
      const runs = await (ctl as TestController).api<{ items: JobRecord[] }>(
        'GET',
        '/api/v1/jobs?type=backup-export',
      );
      const items = runs.body.items;
      return items.length > 0 && items.every((j) => ['completed', 'failed'].includes(j.state));
    });
  }, 300_000);

  afterAll(async () => {
    await restored?.stop();
    await ctl?.stop();
    await mongo?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('backs up under load and restores into an empty database that a new controller runs on', async () => {
    const live = ctl as TestController;
    const queued: string[] = [];
    let loading = true;
    const client = async () => {
      while (loading) {
        const r = await live.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
          body: { type: 'test-sleep', params: { ms: 0 } },
        });
        expect(r.status).toBe(201);
        queued.push(r.body.job.id);
      }
    };
    // One client is load enough for FerretDB on a shared machine; the backup must not wait
    // behind hundreds of queued jobs to show that writes go on while it runs.
    const load = [client()];
    let before: string[];
    let backup: JobRecord;
    let during: number;
    try {
      await waitFor('jobs queued under load', async () => queued.length >= 10);
      before = [...queued];
      const res = await live.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
        body: { type: 'backup-export', params: {} },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      backup = await jobEnded(live, res.body.job.id);
      during = queued.length - before.length;
    } finally {
      loading = false;
      await Promise.allSettled(load);
    }
    expect(backup.state, JSON.stringify(backup.error)).toBe('completed');
    expect(during, 'jobs were queued while the backup ran').toBeGreaterThan(0);
    expect(backup.result).toMatchObject({ storeKind: 'mongodb', consistency: 'per-document' });
    backupPath = (backup.result as { backup: string }).backup;

    const manifest = JSON.parse(
      readFileSync(path.join(backupPath, 'manifest.json'), 'utf8'),
    ) as BackupManifest;
    const jobsFile = manifest.files.find((f) => f.collection === 'jobs');
    expect(jobsFile).toMatchObject({ name: 'collection-jobs.jsonl.gz' });
    expect(jobsFile?.documents).toBeGreaterThanOrEqual(before.length);
    expect(jobsFile?.indexes?.map((i) => i.name)).toContain('claim');
    expect(manifest.schemaMigrations).toContain(1);
    for (const f of manifest.files)
      expect(await sha256OfFile(path.join(backupPath, f.name))).toBe(f.sha256);
    expect(
      readdirSync(backupPath).every((n) => n === 'manifest.json' || n.endsWith('.jsonl.gz')),
    ).toBe(true);

    const r = await cli(['restore', backupPath, '--store', restoredUrl]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/restored the MongoDB store of .* into database kwrestored_/);

    await live.stop(); // the old database is not used again
    ctl = undefined;
    restored = await startTestController({
      env: { KEYWARDEN_STORE: restoredUrl, KEYWARDEN_MASTER_KEY: masterKey },
    });
    const n = restored;
    for (const id of [...before, backup.id]) {
      const j = await n.api<JobRecord>('GET', `/api/v1/jobs/${id}`);
      expect(j.status, `job ${id}`).toBe(200);
    }
    const host = await n.api<{ id: string }>('GET', `/api/v1/hosts/${hostId}`);
    expect(host.body).toMatchObject({ id: hostId, address: '192.0.2.20', kind: 'agentless' });
    const cred = await vaultFor(n.services.config, n.services.store).open(hostId, 'management');
    expect(cred?.fingerprint).toBe(fingerprint);
    // The indexes came back with the data.
    const c = new MongoClient(restoredUrl);
    try {
      const names = (await c.db().collection('jobs').listIndexes().toArray()).map((i) => i.name);
      expect(names).toEqual(expect.arrayContaining(['claim', 'lease', 'deadline']));
    } finally {
      await c.close();
    }
    // The restored controller still runs jobs.
    const res = await n.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'test-sleep', params: { ms: 0 } },
    });
    expect((await jobEnded(n, res.body.job.id)).state).toBe('completed');
    await n.stop(); // the database stays (FerretDB is this file's), unchanged from here on
    restored = undefined;
  }, 600_000);

  it('refuses a non-empty database and changes nothing in it', async () => {
    const c = new MongoClient(restoredUrl);
    try {
      const before = await c.db().collection('jobs').find({}).toArray();
      const r = await cli(['restore', backupPath, '--store', restoredUrl]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        /database kwrestored_\w+ is not empty \(.+\): restore into a new or empty database/,
      );
      expect(await c.db().collection('jobs').find({}).toArray()).toEqual(before);
    } finally {
      await c.close();
    }
  });

  it('takes back what it inserted when an insert fails part way', async () => {
    // An empty database (allowed) whose empty jobs collection refuses two jobs of one type:
    // the collections before it in the backup are inserted, then jobs fails.
    const db = `kwhalf_${randomBytes(3).toString('hex')}`;
    const c = new MongoClient(urlOf(db));
    try {
      await c
        .db()
        .collection('jobs')
        .createIndex({ type: 1 }, { name: 'one_per_type', unique: true });
      const r = await cli(['restore', backupPath, '--store', urlOf(db)]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        /restore into kwhalf_\w+, collection jobs; what it had inserted was removed\): .*(duplicate key|E11000)/i,
      );
      const colls = (await c.db().listCollections().toArray()).map((x) => x.name);
      expect(colls).toEqual(['jobs']);
      expect(await c.db().collection('jobs').countDocuments()).toBe(0);
      const indexes = (await c.db().collection('jobs').listIndexes().toArray()).map((i) => i.name);
      expect(indexes).toContain('one_per_type');
    } finally {
      await c.close();
    }
  });

  it('refuses a damaged collection file even when the manifest was changed to match, inserting nothing', async () => {
    const m = JSON.parse(
      readFileSync(path.join(backupPath, 'manifest.json'), 'utf8'),
    ) as BackupManifest;
    // The last collection is damaged: every earlier one would verify and could be inserted.
    const f = m.files.at(-1) as BackupManifest['files'][number];
    const file = path.join(backupPath, f.name);
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    writeFileSync(file, gzipSync(Buffer.from(`${text}{"_id": broken\n`)));
    f.size = readFileSync(file).length;
    f.sha256 = await sha256OfFile(file);
    writeFileSync(path.join(backupPath, 'manifest.json'), JSON.stringify(m));
    const empty = urlOf(`kwempty_${randomBytes(3).toString('hex')}`);
    const r = await cli(['restore', backupPath, '--store', empty]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f.name} does not read back`);
    const c = new MongoClient(empty);
    try {
      const colls = await c.db().listCollections().toArray();
      for (const coll of colls)
        expect(await c.db().collection(coll.name).countDocuments(), coll.name).toBe(0);
    } finally {
      await c.close();
    }
  });
});
