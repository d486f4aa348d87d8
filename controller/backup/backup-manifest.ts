/**
 * The manifest of a store backup and its verification. A backup is a directory holding
 * `manifest.json` and the files it lists; restore and the backup monitor trust a backup
 * only once every listed file has the size and SHA-256 the manifest gives.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { backupInvalid } from '../../shared/errors';

export const MANIFEST_FILE = 'manifest.json';
export const BACKUP_FORMAT = 'keywarden-backup';
export const BACKUP_VERSION = 1;
/** Backup directories are named so that sorting by name sorts by time. */
export const BACKUP_PREFIX = 'keywarden-backup-';

export interface BackupFileEntry {
  /** The file inside the backup directory (gzip-compressed). */
  name: string;
  size: number;
  sha256: string;
  /** What the file holds once decompressed, checked again on restore. */
  contentSize: number;
  contentSha256: string;
  /** MongoDB backups: the collection this file holds (EJSON lines), its documents and indexes. */
  collection?: string;
  documents?: number;
  indexes?: Array<{ name: string; key: Record<string, number>; unique?: boolean }>;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  storeKind: 'sqlite' | 'mongodb';
  /**
   * MongoDB backups: "snapshot" when every collection was read at one cluster time (a
   * replica set with snapshot reads), else "per-document": each document is whole, but
   * writes made during the dump may be in some collections and not others.
   */
  consistency?: 'snapshot' | 'per-document';
  /** Ids of the schema migrations applied to the backed-up store. */
  schemaMigrations: number[];
  /**
   * The non-secret id of the master key that sealed the credentials in this store. The
   * key itself is never in a backup: the operator keeps it (docs/operations.md).
   */
  masterKeyId: string;
  files: BackupFileEntry[];
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A backup named by its directory or by its manifest.json. */
export function backupDirOf(file: string): string {
  const abs = path.resolve(file);
  return path.basename(abs) === MANIFEST_FILE ? path.dirname(abs) : abs;
}

function checkManifest(raw: unknown, where: string): BackupManifest {
  const m = raw as Partial<BackupManifest> | null;
  const bad = (what: string) =>
    backupInvalid(`${where}: ${what}`, { details: { manifest: where } });
  if (!m || typeof m !== 'object' || m.format !== BACKUP_FORMAT)
    throw bad(`not a Keywarden backup manifest (format is not "${BACKUP_FORMAT}")`);
  if (m.version !== BACKUP_VERSION)
    throw bad(
      `backup format version ${String(m.version)}; this controller reads ${BACKUP_VERSION}`,
    );
  if (m.storeKind !== 'sqlite' && m.storeKind !== 'mongodb')
    throw bad(`store kind ${String(m.storeKind)} is neither sqlite nor mongodb`);
  if (!Array.isArray(m.files) || m.files.length === 0) throw bad('lists no files');
  for (const f of m.files)
    if (
      typeof f?.name !== 'string' ||
      f.name !== path.basename(f.name) ||
      typeof f.sha256 !== 'string' ||
      typeof f.size !== 'number'
    )
      throw bad(`file entry ${JSON.stringify(f)} is malformed`);
  return m as BackupManifest;
}

/** Reads the manifest and checks every file's size and checksum; throws BACKUP_INVALID. */
export async function verifyBackup(
  file: string,
): Promise<{ dir: string; manifest: BackupManifest }> {
  const dir = backupDirOf(file);
  const where = path.join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(where, 'utf8'));
  } catch (cause) {
    throw backupInvalid(`${where}: cannot read the backup manifest: ${(cause as Error).message}`, {
      cause,
      details: { manifest: where },
    });
  }
  const manifest = checkManifest(raw, where);
  for (const f of manifest.files) {
    const p = path.join(dir, f.name);
    const size = await stat(p).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== f.size)
      throw backupInvalid(
        `${p}: ${size < 0 ? 'missing' : `${size} bytes`}, the manifest says ${f.size} bytes`,
        { details: { file: p } },
      );
    const sum = await sha256OfFile(p);
    if (sum !== f.sha256)
      throw backupInvalid(`${p}: SHA-256 ${sum} does not match the manifest (${f.sha256})`, {
        details: { file: p },
      });
  }
  return { dir, manifest };
}
