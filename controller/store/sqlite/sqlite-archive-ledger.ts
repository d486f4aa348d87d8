/** The archive ledger and conciliation reports in the embedded store (migration 62). */
import type Database from 'better-sqlite3';
import type {
  ArchiveBatchRecord,
  ArchiveLedgerRepository,
  ConciliationReportRecord,
} from '../archive-store';
import { stmt } from './statements';

interface BatchRow {
  id: string;
  state: ArchiveBatchRecord['state'];
  data: string;
  purged_at: number | null;
}

const toBatch = (r: BatchRow): ArchiveBatchRecord => ({
  ...(JSON.parse(r.data) as ArchiveBatchRecord),
  id: r.id,
  state: r.state,
  purgedAt: r.purged_at,
});

export function sqliteArchiveLedgerRepository(db: Database.Database): ArchiveLedgerRepository {
  return {
    add: async (b) => {
      stmt(
        db,
        `INSERT INTO archive_batches (id, kind, state, data, created_at, purged_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(b.id, b.kind, b.state, JSON.stringify(b), b.createdAt, b.purgedAt);
    },
    markPurged: async (id, deletedIds, now) => {
      const row = stmt(db, 'SELECT * FROM archive_batches WHERE id = ?').get(id) as
        BatchRow | undefined;
      // Two purges may finish the same left-over batch: the first one's deleted ids stand.
      if (!row || row.state !== 'archived') return;
      const b = { ...toBatch(row), state: 'purged' as const, deletedIds, purgedAt: now };
      stmt(
        db,
        `UPDATE archive_batches SET state = 'purged', data = ?, purged_at = ? WHERE id = ? AND state = 'archived'`,
      ).run(JSON.stringify(b), now, id);
    },
    listUnpurged: async (limit) =>
      (
        stmt(db, `SELECT * FROM archive_batches WHERE state = 'archived' ORDER BY id LIMIT ?`).all(
          limit,
        ) as BatchRow[]
      ).map(toBatch),
    list: async (p) => {
      const rows = stmt(db, 'SELECT * FROM archive_batches WHERE id > ? ORDER BY id LIMIT ?').all(
        p.after ?? '',
        p.limit + 1,
      ) as BatchRow[];
      const items = rows.slice(0, p.limit).map(toBatch);
      return {
        items,
        nextCursor: rows.length > p.limit ? (items[items.length - 1]?.id ?? null) : null,
      };
    },
    addReport: async (r) => {
      stmt(db, 'INSERT INTO conciliation_reports (id, at, data) VALUES (?, ?, ?)').run(
        r.id,
        r.at,
        JSON.stringify(r),
      );
    },
    listReports: async (p) => {
      const rows = stmt(
        db,
        `SELECT data FROM conciliation_reports WHERE (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?`,
      ).all(p.after ?? null, p.after ?? null, p.limit + 1) as Array<{ data: string }>;
      const items = rows
        .slice(0, p.limit)
        .map((r) => JSON.parse(r.data) as ConciliationReportRecord);
      return {
        items,
        nextCursor: rows.length > p.limit ? (items[items.length - 1]?.id ?? null) : null,
      };
    },
    getReport: async (id) => {
      const row = stmt(db, 'SELECT data FROM conciliation_reports WHERE id = ?').get(id) as
        { data: string } | undefined;
      return row ? (JSON.parse(row.data) as ConciliationReportRecord) : null;
    },
  };
}
