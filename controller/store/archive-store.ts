/**
 * What the data archiver and the warehouse conciliation need from the store: the records
 * a retention rule would purge (read, then deleted by id only once they are in an archive
 * file), a ledger of archived batches, and conciliation reports. The primary key monitor's
 * table figures live here too (`StoreStatsRepository`).
 */
import type { AlertState, JobState } from './records';
import type { Page } from './store';

/** The kinds of record the purge robots delete, each archived before it goes. */
export const RETENTION_KINDS = [
  'jobs',
  'alerts',
  'audit',
  'reporting-data',
  'key-activity',
  'email-outbox',
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** What a purge deletes: the same criteria the purge robots pass to the repositories. */
export type RetentionRule =
  | { kind: 'jobs'; before: number; types?: string[]; states?: JobState[] }
  | { kind: 'alerts'; before: number; states: AlertState[] }
  | { kind: 'audit' | 'reporting-data' | 'key-activity' | 'email-outbox'; before: number };

/** One stored record as the store holds it (SQLite row or MongoDB document, JSON-safe). */
export interface ExpiredRecord {
  id: string;
  record: Record<string, unknown>;
}

export interface RetentionRepository {
  /** Up to `limit` records the rule matches now, by id. */
  listExpired(rule: RetentionRule, limit: number): Promise<ExpiredRecord[]>;
  /**
   * Deletes those of `ids` the rule still matches (a record that changed since it was
   * archived, an alert reopened, stays), with what hangs on them (alert events, job
   * claims and dedupe keys). Returns the ids deleted.
   */
  deleteExpired(rule: RetentionRule, ids: readonly string[]): Promise<string[]>;
}

/**
 * One archive file and what was done with it. `archived`: the file is written and holds
 * `ids`; `purged`: the records of `deletedIds` were deleted from the store.
 */
export interface ArchiveBatchRecord {
  id: string;
  kind: RetentionKind;
  rule: RetentionRule;
  /** The archive file's name, relative to the archive directory. */
  file: string;
  sha256: string;
  bytes: number;
  count: number;
  ids: string[];
  state: 'archived' | 'purged';
  deletedIds: string[];
  createdAt: number;
  purgedAt: number | null;
}

export interface ConciliationDifference {
  /** missing-file, checksum-mismatch, unreadable, missing-records, not-in-ledger, count-mismatch */
  problem: string;
  file: string;
  batchId: string | null;
  message: string;
  /** Ids purged from the store but absent from the archive (at most 100 listed). */
  ids?: string[];
}

export interface ConciliationReportRecord {
  id: string;
  at: number;
  batches: number;
  files: number;
  purgedRecords: number;
  differences: ConciliationDifference[];
}

export interface ArchiveLedgerRepository {
  add(batch: ArchiveBatchRecord): Promise<void>;
  markPurged(id: string, deletedIds: string[], now: number): Promise<void>;
  /** Batches archived whose delete has not been recorded (a crash between the two). */
  listUnpurged(limit: number): Promise<ArchiveBatchRecord[]>;
  /** Oldest first; `after` is the last id of the page before. */
  list(page: { limit: number; after?: string }): Promise<Page<ArchiveBatchRecord>>;
  addReport(report: ConciliationReportRecord): Promise<void>;
  /** Newest first. */
  listReports(page: { limit: number; after?: string }): Promise<Page<ConciliationReportRecord>>;
  getReport(id: string): Promise<ConciliationReportRecord | null>;
}

export interface ArchiveRepositories {
  retention: RetentionRepository;
  ledger: ArchiveLedgerRepository;
}

/** One table (SQLite) or collection (MongoDB) of the store. */
export interface TableStat {
  table: string;
  rows: number;
  /** Bytes the table and its indexes take (SQLite dbstat; MongoDB collStats size). */
  bytes: number | null;
  /** Integer keys only: the largest key in use and the largest the type allows. */
  key?: { column: string; max: number; limit: number };
}

export interface StoreStatsRepository {
  tables(): Promise<TableStat[]>;
  /** The whole store's size in bytes (database file with WAL; MongoDB dataSize + indexes). */
  totalBytes(): Promise<number>;
}
