/**
 * `keywarden restore`: a verified backup into an empty data directory, without a running
 * controller. Either the whole store lands as DATA_DIR/keywarden.db or nothing does.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { backupInvalid, restoreTargetNotEmpty } from '../../shared/errors';
import { verifyBackup, type BackupManifest } from './backup-manifest';
import { STORE_FILE_IN_BACKUP } from './write-sqlite-backup';

export interface RestoredBackup {
  storeFile: string;
  manifest: BackupManifest;
}

async function entriesOf(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export async function restoreBackup(file: string, dataDir: string): Promise<RestoredBackup> {
  const target = path.resolve(dataDir);
  const existing = await entriesOf(target);
  if (existing && existing.length > 0)
    throw restoreTargetNotEmpty(
      `data directory ${target} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', ...' : ''}): restore into a new or empty directory`,
      { details: { dataDir: target } },
    );
  const { dir, manifest } = await verifyBackup(file);
  if (manifest.storeKind !== 'sqlite')
    throw backupInvalid(
      `${dir} is a backup of a MongoDB store: restore it with --store mongodb://HOST/DATABASE`,
      { details: { backup: dir } },
    );
  const entry = manifest.files.find((f) => f.name === STORE_FILE_IN_BACKUP);
  if (!entry)
    throw backupInvalid(`${dir}: the manifest lists no ${STORE_FILE_IN_BACKUP}`, {
      details: { backup: dir },
    });
  await mkdir(target, { recursive: true, mode: 0o700 });
  const partial = path.join(target, '.restoring-keywarden.db');
  const storeFile = path.join(target, 'keywarden.db');
  try {
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(
        createReadStream(path.join(dir, entry.name)),
        createGunzip(),
        measure,
        createWriteStream(partial, { mode: 0o600 }),
      );
    } catch (cause) {
      throw backupInvalid(
        `${dir}: ${entry.name} does not decompress: ${(cause as Error).message}`,
        {
          cause,
          details: { backup: dir },
        },
      );
    }
    const sum = hash.digest('hex');
    if (size !== entry.contentSize || sum !== entry.contentSha256)
      throw backupInvalid(
        `${dir}: the decompressed store (${size} bytes, SHA-256 ${sum}) does not match the manifest`,
        { details: { backup: dir } },
      );
    checkRestoredStore(partial, manifest, dir);
    await rename(partial, storeFile);
    return { storeFile, manifest };
  } catch (err) {
    // Nothing half-applied: the directory is left as empty as it was found.
    await rm(existing ? partial : target, { recursive: true, force: true });
    throw err;
  }
}

function checkRestoredStore(file: string, manifest: BackupManifest, dir: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
    const ids = (
      db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as Array<{ id: number }>
    ).map((r) => r.id);
    if (ids.join(',') !== manifest.schemaMigrations.join(','))
      throw new Error('its schema migrations differ from the manifest');
  } catch (cause) {
    throw backupInvalid(`${dir}: the restored store is not usable: ${(cause as Error).message}`, {
      cause,
      details: { backup: dir },
    });
  } finally {
    db?.close();
  }
}
