/**
 * `keywarden restore` refuses what it must not restore, with a clear error and nothing
 * written: a non-empty data directory, a backup whose archive was changed, a backup whose
 * manifest was changed to match a damaged archive.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256OfFile, type BackupManifest } from '../../../controller/backup/backup-manifest';
import { writeSqliteBackup } from '../../../controller/backup/write-sqlite-backup';
import { runCli } from '../../../controller/cli/main';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';

describe('keywarden restore', () => {
  let work = '';
  let backup = '';
  const gz = () => path.join(backup, 'keywarden.db.gz');

  beforeEach(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'kw-restore-'));
    const storeFile = path.join(work, 'live', 'keywarden.db');
    const store = openSqliteStore(storeFile);
    for (let i = 0; i < 200; i++)
      await store.audit.append({
        at: i,
        actor: 'test',
        action: 'test.row',
        subject: `row-${i}`,
        details: { i },
      });
    const written = await writeSqliteBackup({
      storeFile,
      backupDir: path.join(work, 'backups'),
      masterKeyId: 'abc123',
      now: Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    await store.close();
    backup = written.dir;
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const restore = async (dataDir: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['restore', backup, '--data-dir', dataDir],
      {},
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('writes a manifest with the store kind, migrations, and checksums of what it holds', async () => {
    const m = JSON.parse(
      readFileSync(path.join(backup, 'manifest.json'), 'utf8'),
    ) as BackupManifest;
    expect(m).toMatchObject({
      format: 'keywarden-backup',
      version: 1,
      createdAt: '2026-01-02T03:04:05.000Z',
      storeKind: 'sqlite',
      masterKeyId: 'abc123',
    });
    expect(m.schemaMigrations).toContain(1);
    expect(m.files).toEqual([
      expect.objectContaining({ name: 'keywarden.db.gz', sha256: await sha256OfFile(gz()) }),
    ]);
    expect(readdirSync(backup).sort()).toEqual(['keywarden.db.gz', 'manifest.json']);
  });

  it('restores into an absent directory, and the store opens with its rows', async () => {
    const target = path.join(work, 'new');
    const r = await restore(target);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('master key id abc123');
    const store = openSqliteStore(path.join(target, 'keywarden.db'));
    try {
      const page = await store.audit.list({}, { limit: 500 });
      expect(page.items).toHaveLength(200);
    } finally {
      await store.close();
    }
  });

  it('refuses a non-empty data directory and leaves it as it was', async () => {
    const target = path.join(work, 'busy');
    mkdirSync(target);
    writeFileSync(path.join(target, 'master.key'), 'x');
    const r = await restore(target);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`data directory ${target} is not empty (master.key)`);
    expect(readdirSync(target)).toEqual(['master.key']);
  });

  it('refuses an archive changed after the backup, naming the file, and writes nothing', async () => {
    const bytes = readFileSync(gz());
    const mid = bytes.length >> 1;
    bytes[mid] = (bytes[mid] ?? 0) ^ 0xff;
    writeFileSync(gz(), bytes);
    const target = path.join(work, 'new');
    const r = await restore(target);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/keywarden\.db\.gz: SHA-256 [0-9a-f]{64} does not match the manifest/);
    expect(() => readdirSync(target)).toThrow(/ENOENT/);
  });

  it('refuses a damaged archive even when the manifest was changed to match it', async () => {
    const bytes = readFileSync(gz());
    const mid = bytes.length >> 1;
    bytes[mid] = (bytes[mid] ?? 0) ^ 0xff;
    writeFileSync(gz(), bytes);
    const manifestFile = path.join(backup, 'manifest.json');
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupManifest;
    const f = m.files[0] as BackupManifest['files'][number];
    f.sha256 = await sha256OfFile(gz());
    writeFileSync(manifestFile, JSON.stringify(m));
    const target = path.join(work, 'empty');
    mkdirSync(target);
    const r = await restore(target);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not decompress|does not match the manifest/);
    expect(readdirSync(target)).toEqual([]);
  });

  it('refuses a directory that is not a backup', async () => {
    backup = work;
    const r = await restore(path.join(work, 'new'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot read the backup manifest');
  });
});
