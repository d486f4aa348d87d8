/**
 * `keywarden restore BACKUP --store mongodb://...`: a verified MongoDB backup into an
 * empty database. Every file is decompressed, checksummed and parsed before the first
 * insert; a failure while inserting drops what this restore created, so the database is
 * left as empty as it was found.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BSON, MongoClient, type Db, type Document } from 'mongodb';
import { backupInvalid, restoreTargetNotEmpty } from '../../shared/errors';
import { dbNameFromUrl } from '../store/mongodb/open-mongo-store';
import { translateError } from '../store/mongodb/translate-errors';
import { verifyBackup, type BackupFileEntry, type BackupManifest } from './backup-manifest';
import { measuring } from './measuring';

const BATCH = 1000;

/** Streams a file's documents; checks its decompressed size and SHA-256 at the end. */
async function eachDocument(
  dir: string,
  f: BackupFileEntry,
  visit: (batch: Document[]) => Promise<void>,
): Promise<number> {
  const content = measuring();
  const gunzip = createGunzip();
  const done = pipeline(createReadStream(path.join(dir, f.name)), gunzip, content.stream);
  done.catch(() => undefined); // awaited below; a parse error first must not leave it unhandled
  let count = 0;
  let batch: Document[] = [];
  let insertFailure: unknown;
  const flush = async () => {
    try {
      await visit(batch);
    } catch (err) {
      insertFailure = err;
      throw err;
    }
    batch = [];
  };
  try {
    for await (const line of createInterface({ input: content.stream, crlfDelay: Infinity })) {
      if (!line) continue;
      batch.push(BSON.EJSON.parse(line, { relaxed: false }) as Document);
      count++;
      if (batch.length >= BATCH) await flush();
    }
    await done;
    if (batch.length) await flush();
  } catch (cause) {
    content.stream.destroy();
    if (cause === insertFailure) throw cause;
    throw backupInvalid(`${dir}: ${f.name} does not read back: ${(cause as Error).message}`, {
      cause,
      details: { backup: dir, file: f.name },
    });
  }
  const { size, sha256 } = content.result();
  if (size !== f.contentSize || sha256 !== f.contentSha256 || count !== f.documents)
    throw backupInvalid(
      `${dir}: ${f.name} decompressed (${size} bytes, ${count} documents, SHA-256 ${sha256}) does not match the manifest`,
      { details: { backup: dir, file: f.name } },
    );
  return count;
}

/** The collections there already, and those of them that hold a document. */
async function collectionsIn(db: Db): Promise<{ all: Set<string>; nonEmpty: string[] }> {
  const all = new Set<string>();
  const nonEmpty: string[] = [];
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (c.name.startsWith('system.')) continue;
    all.add(c.name);
    if (await db.collection(c.name).findOne({}, { projection: { _id: 1 } })) nonEmpty.push(c.name);
  }
  return { all, nonEmpty: nonEmpty.sort() };
}

export async function restoreMongoBackup(
  file: string,
  storeUrl: string,
): Promise<{ database: string; manifest: BackupManifest; documents: number }> {
  const { dir, manifest } = await verifyBackup(file);
  if (manifest.storeKind !== 'mongodb')
    throw backupInvalid(
      `${dir} is a backup of the embedded SQLite store: restore it with --data-dir DIR`,
      { details: { backup: dir } },
    );
  const entries = manifest.files.filter((f) => typeof f.collection === 'string');
  const client = new MongoClient(storeUrl, { ignoreUndefined: true });
  await client.connect();
  const database = dbNameFromUrl(storeUrl) ?? 'keywarden';
  try {
    const db = client.db(database);
    const { all: existing, nonEmpty: busy } = await collectionsIn(db);
    if (busy.length)
      throw restoreTargetNotEmpty(
        `database ${database} is not empty (${busy.slice(0, 3).join(', ')}${busy.length > 3 ? ', ...' : ''}): restore into a new or empty database`,
        { details: { database } },
      );
    // A first pass reads everything back without writing: a damaged file is found here.
    for (const f of entries) await eachDocument(dir, f, async () => undefined);
    const created: string[] = [];
    let documents = 0;
    try {
      for (const f of entries) {
        const coll = db.collection(f.collection as string);
        created.push(coll.collectionName);
        documents += await eachDocument(dir, f, async (batch) => {
          await coll.insertMany(batch, { ordered: true });
        });
        if (f.indexes?.length)
          await coll.createIndexes(
            f.indexes.map((i) => ({
              name: i.name,
              key: i.key,
              ...(i.unique ? { unique: true } : {}),
            })),
          );
      }
    } catch (err) {
      // Back to as empty as it was found: collections this restore made are dropped, empty
      // ones that were there (with their indexes) are emptied again.
      for (const c of created) {
        const coll = db.collection(c);
        await (existing.has(c) ? coll.deleteMany({}) : coll.drop()).catch(() => undefined);
      }
      throw translateError(
        err,
        `restore into ${database}, collection ${created.at(-1) ?? '?'}; what it had inserted was removed`,
      );
    }
    return { database, manifest, documents };
  } finally {
    await client.close();
  }
}
