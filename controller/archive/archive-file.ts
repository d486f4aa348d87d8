/**
 * One archive file: the records of one batch as gzipped JSON Lines, beside a manifest
 * that gives the control date (records older than it were archived), the count, the ids'
 * range and the SHA-256 of both the compressed file and its content. Both are written
 * under a temporary name, fsynced and renamed, the manifest last: a manifest on disk means
 * a whole file. Files are mode 600 and directories 700: an archive holds audit and job
 * records (sealed values stay sealed, as in the store).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { archiveFailed } from '../../shared/errors';
import type { ExpiredRecord, RetentionKind, RetentionRule } from '../store/archive-store';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const ARCHIVE_FORMAT = 'keywarden-archive';
export const ARCHIVE_VERSION = 1;
export const MANIFEST_SUFFIX = '.manifest.json';

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  kind: RetentionKind;
  /** Records this old (the rule's cutoff, ISO time) were archived: the control date. */
  controlDate: string;
  rule: RetentionRule;
  storeKind: 'sqlite' | 'mongodb';
  createdAt: string;
  batchId: string;
  count: number;
  firstId: string | null;
  lastId: string | null;
  /** The file beside this manifest. */
  file: string;
  bytes: number;
  sha256: string;
  contentBytes: number;
  contentSha256: string;
}

/** One line of an archive file. */
export interface ArchiveLine {
  kind: RetentionKind;
  id: string;
  controlDate: string;
  archivedAt: string;
  record: Record<string, unknown>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function writeDurably(file: string, data: Buffer): Promise<void> {
  const tmp = `${path.dirname(file)}/.partial-${path.basename(file)}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    // A full disk must not keep the half-written file: it holds the space the next try needs.
    await rm(tmp, { force: true });
    throw e;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Files go under `KIND/YYYY-MM/` by control date, named so that sorting by name sorts by
 * creation: `KIND-CREATED-BATCHID.jsonl.gz`.
 */
export function archivePathOf(
  kind: RetentionKind,
  controlDate: number,
  batchId: string,
  at: number,
) {
  const month = new Date(controlDate).toISOString().slice(0, 7);
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace('.', '-');
  return path.join(kind, month, `${kind}-${stamp}-${batchId}.jsonl.gz`);
}

export async function writeArchiveFile(
  dir: string,
  batch: {
    batchId: string;
    rule: RetentionRule;
    storeKind: 'sqlite' | 'mongodb';
    records: ExpiredRecord[];
    now: number;
  },
): Promise<{ manifest: ArchiveManifest; file: string }> {
  const { batchId, rule, records, now } = batch;
  const rel = archivePathOf(rule.kind, rule.before, batchId, now);
  const abs = path.join(dir, rel);
  const controlDate = new Date(rule.before).toISOString();
  const archivedAt = new Date(now).toISOString();
  const content = Buffer.from(
    records
      .map((r) =>
        JSON.stringify({
          kind: rule.kind,
          id: r.id,
          controlDate,
          archivedAt,
          record: r.record,
        } satisfies ArchiveLine),
      )
      .join('\n') + '\n',
  );
  const data = await gzipAsync(content);
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    kind: rule.kind,
    controlDate,
    rule,
    storeKind: batch.storeKind,
    createdAt: archivedAt,
    batchId,
    count: records.length,
    firstId: records[0]?.id ?? null,
    lastId: records[records.length - 1]?.id ?? null,
    file: path.basename(rel),
    bytes: data.length,
    sha256: sha256(data),
    contentBytes: content.length,
    contentSha256: sha256(content),
  };
  try {
    await mkdir(path.dirname(abs), { recursive: true, mode: 0o700 });
    await writeDurably(abs, data);
    await writeDurably(abs + MANIFEST_SUFFIX, Buffer.from(JSON.stringify(manifest, null, 2)));
    await syncDir(path.dirname(abs));
  } catch (cause) {
    await rm(abs, { force: true }).catch(() => undefined);
    throw archiveFailed(
      `cannot write archive file ${abs}: ${(cause as Error).message} (nothing was purged)`,
      { cause, details: { file: abs, kind: rule.kind } },
    );
  }
  return { manifest, file: rel };
}

export type ReadArchiveResult =
  | { ok: true; manifest: ArchiveManifest; ids: string[] }
  | { ok: false; problem: 'missing-file' | 'checksum-mismatch' | 'unreadable'; message: string };

/**
 * Reads and checks one archive file against its manifest: its SHA-256, that it
 * decompresses to the content checksum, and that every line parses; returns its ids.
 */
export async function readArchiveFile(dir: string, rel: string): Promise<ReadArchiveResult> {
  const abs = path.join(dir, rel);
  let manifest: ArchiveManifest;
  let data: Buffer;
  try {
    manifest = JSON.parse(await readFile(abs + MANIFEST_SUFFIX, 'utf8')) as ArchiveManifest;
    data = await readFile(abs);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      ok: false,
      problem: missing ? 'missing-file' : 'unreadable',
      message: `${rel}: ${missing ? 'missing (file or manifest)' : (e as Error).message}`,
    };
  }
  if (manifest.format !== ARCHIVE_FORMAT)
    return {
      ok: false,
      problem: 'unreadable',
      message: `${rel}: manifest is not an archive manifest`,
    };
  const got = sha256(data);
  if (got !== manifest.sha256 || data.length !== manifest.bytes)
    return {
      ok: false,
      problem: 'checksum-mismatch',
      message: `${rel}: SHA-256 ${got} (${data.length} bytes), manifest says ${manifest.sha256} (${manifest.bytes} bytes)`,
    };
  let content: Buffer;
  try {
    content = await gunzipAsync(data);
  } catch (e) {
    return { ok: false, problem: 'unreadable', message: `${rel}: ${(e as Error).message}` };
  }
  if (sha256(content) !== manifest.contentSha256)
    return {
      ok: false,
      problem: 'checksum-mismatch',
      message: `${rel}: decompressed content does not match the manifest's content checksum`,
    };
  const ids: string[] = [];
  const lines = content.toString('utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    try {
      ids.push((JSON.parse(line) as ArchiveLine).id);
    } catch {
      return { ok: false, problem: 'unreadable', message: `${rel}: line ${i + 1} is not JSON` };
    }
  }
  return { ok: true, manifest, ids };
}
