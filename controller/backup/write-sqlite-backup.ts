/**
 * One backup of the embedded store. SQLite's online backup API (better-sqlite3's
 * `db.backup()`) copies a consistent snapshot while the controller keeps writing; a file
 * copy of a live WAL database would miss or tear the commits still in the WAL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import Database from 'better-sqlite3';
import {
  BACKUP_FORMAT,
  BACKUP_PREFIX,
  BACKUP_VERSION,
  MANIFEST_FILE,
  sha256OfFile,
  type BackupManifest,
} from './backup-manifest';

export const STORE_FILE_IN_BACKUP = 'keywarden.db.gz';

export interface WrittenBackup {
  dir: string;
  manifest: BackupManifest;
}

/** Hashes and counts what flows through, unchanged. */
function measuring() {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest('hex') }) };
}

/** Copies, checks and compresses the store; the backup appears under its name only when whole. */
export async function writeSqliteBackup(opts: {
  storeFile: string;
  backupDir: string;
  masterKeyId: string;
  now: number;
}): Promise<WrittenBackup> {
  const stamp = new Date(opts.now).toISOString().replace(/[-:]/g, '').replace('.', '-');
  const name = `${BACKUP_PREFIX}${stamp}-${randomBytes(3).toString('hex')}`;
  await mkdir(opts.backupDir, { recursive: true, mode: 0o700 });
  const partial = path.join(opts.backupDir, `.partial-${name}`);
  await mkdir(partial, { mode: 0o700 });
  try {
    const copy = path.join(partial, 'keywarden.db');
    const src = new Database(opts.storeFile, { readonly: true, fileMustExist: true });
    try {
      src.pragma('busy_timeout = 10000');
      // All pages in one step (the most better-sqlite3 allows): a step holds one read
      // snapshot. In smaller steps, every write between two steps restarts the copy, and
      // a busy controller never lets it finish. The cost: the copy blocks this process's
      // event loop while it runs (docs/operations.md gives a figure).
      await src.backup(copy, { progress: () => 0x7fffffff });
    } finally {
      src.close();
    }
    const schemaMigrations = checkCopy(copy);
    const content = measuring();
    const gz = path.join(partial, STORE_FILE_IN_BACKUP);
    await pipeline(
      createReadStream(copy),
      content.stream,
      createGzip(),
      createWriteStream(gz, { mode: 0o600 }),
    );
    await rm(copy);
    const { size: contentSize, sha256: contentSha256 } = content.result();
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date(opts.now).toISOString(),
      storeKind: 'sqlite',
      schemaMigrations,
      masterKeyId: opts.masterKeyId,
      files: [
        {
          name: STORE_FILE_IN_BACKUP,
          size: (await stat(gz)).size,
          sha256: await sha256OfFile(gz),
          contentSize,
          contentSha256,
        },
      ],
    };
    await writeFile(path.join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: 0o600,
    });
    const dir = path.join(opts.backupDir, name);
    await rename(partial, dir);
    return { dir, manifest };
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Makes the copy one self-contained file (no WAL), checks it and returns its migration
 * ids. A copy that fails the integrity check is never published as a backup.
 */
function checkCopy(file: string): number[] {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok')
      throw new Error(`the backup copy fails its integrity check: ${String(check)}`);
    return (
      db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as Array<{ id: number }>
    ).map((r) => r.id);
  } finally {
    db.close();
  }
}

/** The complete backups in `backupDir`, newest first (partial ones are not listed). */
export async function listBackups(backupDir: string): Promise<string[]> {
  const names = await readdir(backupDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .filter((n) => n.startsWith(BACKUP_PREFIX))
    .sort()
    .reverse()
    .map((n) => path.join(backupDir, n));
}

/** Deletes all but the newest `keep` backups; returns what it deleted. */
export async function pruneBackups(backupDir: string, keep: number): Promise<string[]> {
  const old = (await listBackups(backupDir)).slice(keep);
  for (const dir of old) await rm(dir, { recursive: true, force: true });
  return old;
}
