/**
 * One backup of a MongoDB store through the driver: every collection of the database as
 * canonical EJSON lines (types kept exactly), gzip-compressed, with its indexes, document
 * count and checksums in the manifest. The same directory layout, manifest and monitor as
 * the SQLite backup.
 *
 * Consistency: Keywarden uses no transactions, and FerretDB and a standalone MongoDB have
 * no snapshot reads, so there the dump reads each collection with one cursor ordered by
 * _id: every document is whole (each job state change is one single-document write), but a
 * write made during the dump may be in one collection and not in another. On a replica
 * set that offers snapshot reads (MongoDB 5.0+), every collection is read at one cluster
 * time instead. The manifest says which.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BSON, MongoClient, type ClientSession, type Db } from 'mongodb';
import { dbNameFromUrl } from '../store/mongodb/open-mongo-store';
import {
  BACKUP_FORMAT,
  BACKUP_PREFIX,
  BACKUP_VERSION,
  MANIFEST_FILE,
  sha256OfFile,
  type BackupFileEntry,
  type BackupManifest,
} from './backup-manifest';
import { measuring } from './measuring';
import type { WrittenBackup } from './write-sqlite-backup';

/** `collection-<name>.jsonl.gz`; the name is encoded so any collection name is one file name. */
export const collectionFileName = (name: string) =>
  `collection-${encodeURIComponent(name)}.jsonl.gz`;

/** Snapshot reads need a replica set (or sharded cluster) on wire version 13 (MongoDB 5.0) or later. */
async function supportsSnapshotReads(db: Db): Promise<boolean> {
  const hello = await db.admin().command({ hello: 1 });
  const replicated = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
  return replicated && Number(hello.maxWireVersion) >= 13;
}

export async function writeMongoBackup(opts: {
  storeUrl: string;
  backupDir: string;
  masterKeyId: string;
  now: number;
}): Promise<WrittenBackup> {
  const stamp = new Date(opts.now).toISOString().replace(/[-:]/g, '').replace('.', '-');
  const name = `${BACKUP_PREFIX}${stamp}-${randomBytes(3).toString('hex')}`;
  await mkdir(opts.backupDir, { recursive: true, mode: 0o700 });
  const partial = path.join(opts.backupDir, `.partial-${name}`);
  await mkdir(partial, { mode: 0o700 });
  const client = new MongoClient(opts.storeUrl, { ignoreUndefined: true });
  let session: ClientSession | undefined;
  try {
    await client.connect();
    const db = client.db(dbNameFromUrl(opts.storeUrl) ?? 'keywarden');
    const snapshot = await supportsSnapshotReads(db);
    if (snapshot) session = client.startSession({ snapshot: true });
    const s = session ? { session } : {};
    const names = (await db.listCollections({}, { nameOnly: true, ...s }).toArray())
      .map((c) => c.name)
      .filter((n) => !n.startsWith('system.'))
      .sort();
    const files: BackupFileEntry[] = [];
    for (const coll of names) {
      const collection = db.collection(coll);
      const file = path.join(partial, collectionFileName(coll));
      const content = measuring();
      let documents = 0;
      const cursor = collection.find({}, { sort: { _id: 1 }, ...s });
      async function* lines() {
        for await (const doc of cursor) {
          documents++;
          yield `${BSON.EJSON.stringify(doc, { relaxed: false })}\n`;
        }
      }
      await pipeline(
        Readable.from(lines()),
        content.stream,
        createGzip(),
        createWriteStream(file, { mode: 0o600 }),
      );
      const indexes = (await collection.listIndexes(s).toArray())
        .filter((i) => i.name !== '_id_')
        .map((i) => ({
          name: String(i.name),
          key: i.key as Record<string, number>,
          ...(i.unique ? { unique: true } : {}),
        }));
      const { size: contentSize, sha256: contentSha256 } = content.result();
      files.push({
        name: path.basename(file),
        size: (await stat(file)).size,
        sha256: await sha256OfFile(file),
        contentSize,
        contentSha256,
        collection: coll,
        documents,
        indexes,
      });
    }
    const schemaMigrations = names.includes('migrations')
      ? (await db.collection<{ _id: number }>('migrations').find({}, s).toArray())
          .map((m) => m._id)
          .sort((a, b) => a - b)
      : [];
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date(opts.now).toISOString(),
      storeKind: 'mongodb',
      consistency: snapshot ? 'snapshot' : 'per-document',
      schemaMigrations,
      masterKeyId: opts.masterKeyId,
      files,
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
  } finally {
    await session?.endSession();
    await client.close();
  }
}
