/**
 * The data archiver: a purge that first writes what it deletes to an archive file. For
 * each batch: the records are read, written and fsynced to a file, the batch is put in the
 * ledger (`archived`, with its ids), and only then are those ids deleted (the rule checked
 * again) and the batch marked `purged` with the ids deleted. A crash
 * - before the ledger entry leaves an unlisted file and every record still in the store:
 *   the next run archives them again (conciliation reports the stray file);
 * - after it leaves an `archived` batch: the next run finishes it first, deleting its ids
 *   once its file verifies, without writing the records a second time.
 * So no record is deleted that is not in a verified file, and none is archived twice by
 * the ledger.
 */
import { newId } from '../store/ids';
import type { ArchiveBatchRecord, RetentionRule } from '../store/archive-store';
import type { Store } from '../store/store';
import { readArchiveFile, writeArchiveFile } from './archive-file';

export const ARCHIVE_BATCH = 1000;

export interface ArchiveOptions {
  dir: string;
  storeKind: 'sqlite' | 'mongodb';
  now: () => number;
  batchSize?: number;
  /** Tests: runs after a batch is in the ledger, before its records are deleted. */
  afterArchived?: (batch: ArchiveBatchRecord) => Promise<void>;
}

export interface ArchiveOutcome {
  archived: number;
  purged: number;
  files: string[];
  /** Batches left by an earlier run and finished now. */
  resumed: number;
}

type ArchiveStore = Pick<Store, 'archive'>;

/** Deletes the records of `archived` batches whose file verifies (a crash left them). */
export async function finishArchivedBatches(
  store: ArchiveStore,
  opts: Pick<ArchiveOptions, 'dir' | 'now'>,
): Promise<{ resumed: number; purged: number }> {
  let resumed = 0;
  let purged = 0;
  for (const b of await store.archive.ledger.listUnpurged(100)) {
    const read = await readArchiveFile(opts.dir, b.file);
    const inFile = read.ok ? new Set(read.ids) : new Set<string>();
    // Only ids the file really holds are deleted; a file that does not verify deletes
    // nothing (its records are archived again by the next batch; conciliation reports it).
    const ids = b.ids.filter((id) => inFile.has(id));
    const deleted = await store.archive.retention.deleteExpired(b.rule, ids);
    await store.archive.ledger.markPurged(b.id, deleted, opts.now());
    resumed++;
    purged += deleted.length;
  }
  return { resumed, purged };
}

export async function archiveThenPurge(
  store: ArchiveStore,
  rule: RetentionRule,
  opts: ArchiveOptions,
): Promise<ArchiveOutcome> {
  const size = opts.batchSize ?? ARCHIVE_BATCH;
  const done = await finishArchivedBatches(store, opts);
  const out: ArchiveOutcome = {
    archived: 0,
    purged: done.purged,
    files: [],
    resumed: done.resumed,
  };
  for (;;) {
    const records = await store.archive.retention.listExpired(rule, size);
    if (records.length === 0) return out;
    const now = opts.now();
    const batchId = newId(now);
    const { manifest, file } = await writeArchiveFile(opts.dir, {
      batchId,
      rule,
      storeKind: opts.storeKind,
      records,
      now,
    });
    const batch: ArchiveBatchRecord = {
      id: batchId,
      kind: rule.kind,
      rule,
      file,
      sha256: manifest.sha256,
      bytes: manifest.bytes,
      count: records.length,
      ids: records.map((r) => r.id),
      state: 'archived',
      deletedIds: [],
      createdAt: now,
      purgedAt: null,
    };
    await store.archive.ledger.add(batch);
    await opts.afterArchived?.(batch);
    const deleted = await store.archive.retention.deleteExpired(rule, batch.ids);
    await store.archive.ledger.markPurged(batchId, deleted, opts.now());
    out.archived += records.length;
    out.purged += deleted.length;
    out.files.push(file);
    // A short batch was the last; a batch none of whose records went would come back.
    if (records.length < size || deleted.length === 0) return out;
    await new Promise((r) => setImmediate(r));
  }
}
