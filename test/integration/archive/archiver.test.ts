/**
 * The data archiver and warehouse conciliation on both stores (SQLite file, FerretDB):
 * records past their retention end up in gzipped JSON Lines files before they leave the
 * store, a crash between archive and delete loses nothing and archives nothing twice, and
 * conciliation finds a broken or incomplete archive.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveThenPurge,
  type ArchiveOptions,
} from '../../../controller/archive/archive-then-purge';
import { conciliateArchives } from '../../../controller/archive/conciliate-archives';
import type { ArchiveManifest, ArchiveLine } from '../../../controller/archive/archive-file';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import { openMongoStore } from '../../../controller/store/mongodb/open-mongo-store';
import type { Store } from '../../../controller/store/store';
import { startFerretDb } from '../../helpers/ferretdb';
import { newJob } from '../store/new-job';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

/** Every archive file under dir (relative), sorted. */
function archiveFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.jsonl.gz'))
    .sort();
}
function linesOf(dir: string, rel: string): ArchiveLine[] {
  return gunzipSync(readFileSync(path.join(dir, rel)))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ArchiveLine);
}

function describeArchiver(
  name: string,
  open: () => Promise<{ store: Store; stop(): Promise<void> }>,
) {
  describe(`data archiver and conciliation: ${name}`, () => {
    let store: Store;
    let stop: () => Promise<void>;
    let dir: string;
    const opts = (over: Partial<ArchiveOptions> = {}): ArchiveOptions => ({
      dir,
      storeKind: store.kind,
      now: () => T0,
      batchSize: 2,
      ...over,
    });
    /** Files written since `before` (the ledger spans the tests: so does the directory). */
    const newFiles = (before: string[]) => archiveFiles(dir).filter((f) => !before.includes(f));
    beforeAll(async () => {
      ({ store, stop } = await open());
      dir = mkdtempSync(path.join(tmpdir(), 'kw-archive-'));
    });
    afterAll(async () => {
      await stop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes every record it purges to an archive with a manifest, then deletes only those', async () => {
      // Audit: three old, one young.
      for (const [i, at] of [T0 - 40 * DAY, T0 - 35 * DAY, T0 - 31 * DAY, T0 - DAY].entries())
        await store.audit.append({
          at,
          actor: 'a',
          action: 'arch.test',
          subject: `s${i}`,
          details: { i },
        });
      // Alerts: a resolved old one (with its events) goes; an open one stays.
      const gone = await store.alerts.raise(
        { type: 'arch', severity: 'warning', subject: 'x', message: 'old', dedupeKey: 'arch:1' },
        T0 - 50 * DAY,
      );
      await store.alerts.setState(gone.alert.id, 'resolved', T0 - 40 * DAY);
      const stays = await store.alerts.raise(
        { type: 'arch', severity: 'warning', subject: 'y', message: 'open', dedupeKey: 'arch:2' },
        T0 - 50 * DAY,
      );
      // Jobs: one ended long ago, one queued.
      const ended = await store.jobs.enqueue(newJob({ type: 'arch-job' }), T0 - 70 * DAY);
      await store.jobs.claim({
        workerId: 'w',
        capacity: { 'arch-job': 1 },
        limit: 1,
        leaseMs: 1000,
        now: T0 - 70 * DAY,
      });
      await store.jobs.complete(
        { id: ended.job.id, attempt: 1, workerId: 'w' },
        { done: 1 },
        T0 - 65 * DAY,
      );
      const queued = await store.jobs.enqueue(newJob({ type: 'arch-job' }), T0);

      const cut = T0 - 30 * DAY;
      const audit = await archiveThenPurge(store, { kind: 'audit', before: cut }, opts());
      const alerts = await archiveThenPurge(
        store,
        { kind: 'alerts', before: cut, states: ['resolved', 'dismissed'] },
        opts(),
      );
      const jobs = await archiveThenPurge(store, { kind: 'jobs', before: cut }, opts());
      expect(audit).toMatchObject({ archived: 3, purged: 3, resumed: 0 });
      expect(audit.files).toHaveLength(2); // batches of 2
      expect(alerts).toMatchObject({ archived: 1, purged: 1 });
      expect(jobs).toMatchObject({ archived: 1, purged: 1 });

      // The store keeps what is young or still active.
      expect(
        (await store.audit.list({ action: 'arch.test' }, { limit: 10 })).items.map(
          (e) => e.subject,
        ),
      ).toEqual(['s3']);
      expect(await store.alerts.get(gone.alert.id)).toBeNull();
      expect((await store.alerts.get(stays.alert.id))?.state).toBe('open');
      expect(await store.jobs.get(ended.job.id)).toBeNull();
      expect((await store.jobs.get(queued.job.id))?.state).toBe('queued');

      // The files: every purged record once, as stored, with the control date.
      const lines = archiveFiles(dir).flatMap((f) => linesOf(dir, f));
      expect(lines.map((l) => `${l.kind}:${l.id}`).sort()).toEqual(
        [
          ...lines.filter((l) => l.kind === 'audit').map((l) => `audit:${l.id}`),
          `alerts:${gone.alert.id}`,
          `jobs:${ended.job.id}`,
        ].sort(),
      );
      const auditLines = lines.filter((l) => l.kind === 'audit');
      expect(auditLines.map((l) => l.record.subject).sort()).toEqual(['s0', 's1', 's2']);
      expect(new Set(lines.map((l) => l.controlDate))).toEqual(
        new Set([new Date(cut).toISOString()]),
      );
      const alertLine = lines.find((l) => l.kind === 'alerts');
      expect(alertLine?.record).toMatchObject({ message: 'old', state: 'resolved' });
      expect((alertLine?.record.events as unknown[]).length).toBeGreaterThanOrEqual(1);
      for (const f of archiveFiles(dir)) {
        const m = JSON.parse(
          readFileSync(path.join(dir, `${f}.manifest.json`), 'utf8'),
        ) as ArchiveManifest;
        const data = readFileSync(path.join(dir, f));
        expect(m).toMatchObject({
          format: 'keywarden-archive',
          count: linesOf(dir, f).length,
          bytes: data.length,
          sha256: createHash('sha256').update(data).digest('hex'),
          controlDate: new Date(cut).toISOString(),
          storeKind: store.kind,
        });
      }
      // The ledger and the files agree.
      const c = await conciliateArchives(store, dir);
      expect(c).toMatchObject({ batches: 4, files: 4, purgedRecords: 5, differences: [] });
    });

    it('loses nothing and archives nothing twice when it stops between archive and delete', async () => {
      const before = archiveFiles(dir);
      for (let i = 0; i < 3; i++)
        await store.reportingData.add('statistics', { i }, T0 - 100 * DAY + i);
      const rule = { kind: 'reporting-data' as const, before: T0 - 90 * DAY };
      // The process "dies" once the first batch is in its file and the ledger.
      await expect(
        archiveThenPurge(
          store,
          rule,
          opts({
            afterArchived: () => Promise.reject(new Error('crash between archive and delete')),
          }),
        ),
      ).rejects.toThrow('crash between archive and delete');
      expect(newFiles(before)).toHaveLength(1);
      const firstIds = linesOf(dir, newFiles(before)[0]!).map((l) => l.id);
      expect(firstIds).toHaveLength(2);
      // Nothing was deleted: all three are still in the store.
      expect((await store.archive.retention.listExpired(rule, 10)).map((r) => r.id)).toHaveLength(
        3,
      );
      expect(await store.archive.ledger.listUnpurged(10)).toHaveLength(1);

      // The next run finishes the batch left behind, then archives the rest.
      const again = await archiveThenPurge(store, rule, opts());
      expect(again).toMatchObject({ resumed: 1, archived: 1, purged: 3 });
      expect(await store.archive.retention.listExpired(rule, 10)).toEqual([]);
      expect(await store.archive.ledger.listUnpurged(10)).toEqual([]);
      const ids = newFiles(before).flatMap((f) => linesOf(dir, f).map((l) => l.id));
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3); // each record in exactly one file
      expect(ids).toEqual(expect.arrayContaining(firstIds));
      expect((await conciliateArchives(store, dir)).differences).toEqual([]);
    });

    it('conciliation reports a corrupt archive, a purged record missing from one, and a stray file', async () => {
      const before = archiveFiles(dir);
      for (let i = 0; i < 4; i++)
        await store.audit.append({
          at: T0 - 200 * DAY + i,
          actor: 'a',
          action: 'arch.bad',
          subject: `b${i}`,
          details: {},
        });
      await archiveThenPurge(store, { kind: 'audit', before: T0 - 150 * DAY }, opts());
      const [first, second] = newFiles(before);
      if (!first || !second) throw new Error('expected two archive files');
      // First file: one byte changed.
      const raw = readFileSync(path.join(dir, first));
      raw.writeUInt8(raw.readUInt8(raw.length - 5) ^ 0xff, raw.length - 5);
      writeFileSync(path.join(dir, first), raw);
      // Second file: a consistent file and manifest that lack one record.
      const kept = linesOf(dir, second).slice(1);
      const lost = linesOf(dir, second)[0]!.id;
      const content = Buffer.from(kept.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const gz = gzipSync(content);
      const mPath = path.join(dir, `${second}.manifest.json`);
      const m = JSON.parse(readFileSync(mPath, 'utf8')) as ArchiveManifest;
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      writeFileSync(path.join(dir, second), gz);
      writeFileSync(
        mPath,
        JSON.stringify({
          ...m,
          count: kept.length,
          bytes: gz.length,
          sha256: sha(gz),
          contentSha256: sha(content),
        }),
      );
      // A stray copy no batch names.
      const stray = second.replace('.jsonl.gz', '-copy.jsonl.gz');
      writeFileSync(path.join(dir, stray), gz);
      writeFileSync(path.join(dir, `${stray}.manifest.json`), readFileSync(mPath));

      const c = await conciliateArchives(store, dir);
      expect(c.differences).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ problem: 'checksum-mismatch', file: first }),
          expect.objectContaining({ problem: 'count-mismatch', file: second }),
          expect.objectContaining({ problem: 'missing-records', file: second, ids: [lost] }),
          expect.objectContaining({ problem: 'not-in-ledger', file: stray, batchId: null }),
        ]),
      );
      expect(c.differences).toHaveLength(4);
    });

    it('keeps the deleted ids of the first purge that finished a batch', async () => {
      const id = `batch-${store.kind}-twice`;
      await store.archive.ledger.add({
        id,
        kind: 'audit',
        rule: { kind: 'audit', before: T0 },
        file: 'audit/x.jsonl.gz',
        sha256: '0',
        bytes: 0,
        count: 1,
        ids: ['a'],
        state: 'archived',
        deletedIds: [],
        createdAt: T0,
        purgedAt: null,
      });
      // Two purges finish the same left-over batch; the second deleted nothing.
      await store.archive.ledger.markPurged(id, ['a'], T0 + 1);
      await store.archive.ledger.markPurged(id, [], T0 + 2);
      const all = await store.archive.ledger.list({ limit: 500 });
      expect(all.items.find((b) => b.id === id)).toMatchObject({
        state: 'purged',
        deletedIds: ['a'],
        purgedAt: T0 + 1,
      });
    });
  });
}

describeArchiver('sqlite', async () => {
  const d = mkdtempSync(path.join(tmpdir(), 'kw-archive-sqlite-'));
  const store = openSqliteStore(path.join(d, 'keywarden.db'));
  return {
    store,
    stop: async () => {
      await store.close();
      rmSync(d, { recursive: true, force: true });
    },
  };
});

describeArchiver('mongodb (FerretDB)', async () => {
  const server = await startFerretDb();
  const store = await openMongoStore(server.url);
  return {
    store,
    stop: async () => {
      await store.close();
      await server.stop();
    },
  };
});
