/**
 * Warehouse conciliation: the ledger (what the store says was archived and purged) against
 * the archive directory (what is on disk). For every batch, its file must exist, match its
 * manifest's checksums, decompress and parse, hold the count the ledger says, and hold
 * every id the purge deleted. Every manifest on disk must belong to a batch. What differs
 * is listed, file by file.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveBatchRecord, ConciliationDifference } from '../store/archive-store';
import type { Store } from '../store/store';
import { MANIFEST_SUFFIX, readArchiveFile } from './archive-file';

const MAX_IDS_LISTED = 100;

export interface Conciliation {
  batches: number;
  files: number;
  purgedRecords: number;
  differences: ConciliationDifference[];
}

/** Archive files (by their manifests) under `dir`, relative to it. */
async function filesOnDisk(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((e) => e.endsWith(MANIFEST_SUFFIX) && !path.basename(e).startsWith('.partial-'))
    .map((e) => e.slice(0, -MANIFEST_SUFFIX.length))
    .sort();
}

async function checkBatch(dir: string, b: ArchiveBatchRecord): Promise<ConciliationDifference[]> {
  const read = await readArchiveFile(dir, b.file);
  if (!read.ok) {
    // A file that never verified deleted nothing (finishArchivedBatches): no record is
    // lost, but the archive is still broken.
    return [{ problem: read.problem, file: b.file, batchId: b.id, message: read.message }];
  }
  const out: ConciliationDifference[] = [];
  if (read.ids.length !== b.count || read.manifest.count !== b.count)
    out.push({
      problem: 'count-mismatch',
      file: b.file,
      batchId: b.id,
      message: `${b.file}: ${read.ids.length} records in the file, ${read.manifest.count} in its manifest, ${b.count} in the ledger`,
    });
  const inFile = new Set(read.ids);
  const missing = b.deletedIds.filter((id) => !inFile.has(id));
  if (missing.length)
    out.push({
      problem: 'missing-records',
      file: b.file,
      batchId: b.id,
      message: `${b.file}: ${missing.length} purged ${b.kind} records are not in the archive`,
      ids: missing.slice(0, MAX_IDS_LISTED),
    });
  return out;
}

export async function conciliateArchives(
  store: Pick<Store, 'archive'>,
  dir: string,
  yieldTurn: () => Promise<void> = () => new Promise((r) => setImmediate(r)),
): Promise<Conciliation> {
  const differences: ConciliationDifference[] = [];
  const listed = new Set<string>();
  let batches = 0;
  let purgedRecords = 0;
  let after: string | undefined;
  do {
    const page = await store.archive.ledger.list({ limit: 200, ...(after ? { after } : {}) });
    for (const b of page.items) {
      batches++;
      purgedRecords += b.deletedIds.length;
      listed.add(b.file);
      differences.push(...(await checkBatch(dir, b)));
      await yieldTurn();
    }
    after = page.nextCursor ?? undefined;
  } while (after);
  const onDisk = await filesOnDisk(dir);
  for (const file of onDisk)
    if (!listed.has(file))
      differences.push({
        problem: 'not-in-ledger',
        file,
        batchId: null,
        message: `${file}: an archive file no batch of the ledger names (a run stopped before recording it; its records were archived again or are still in the store)`,
      });
  return { batches, files: onDisk.length, purgedRecords, differences };
}
