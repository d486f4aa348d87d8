/** The per-host scan schedule: one row per host and scan type, read by a (type, due) index. */
import type Database from 'better-sqlite3';
import type { ScanScheduleEntry } from '../host-records';
import type { ScanScheduleRepository } from '../host-store';
import { placeholders, stmt } from './statements';

interface ScheduleRow {
  host_id: string;
  scan_type: string;
  interval_ms: number;
  next_due_at: number;
  last_enqueued_at: number | null;
  last_job_id: string | null;
}
const toEntry = (r: ScheduleRow): ScanScheduleEntry => ({
  hostId: r.host_id,
  scanType: r.scan_type,
  intervalMs: r.interval_ms,
  nextDueAt: r.next_due_at,
  lastEnqueuedAt: r.last_enqueued_at,
  lastJobId: r.last_job_id,
});

export function sqliteScanScheduleRepository(db: Database.Database): ScanScheduleRepository {
  const forHost = (hostId: string) =>
    (
      stmt(db, 'SELECT * FROM scan_schedule WHERE host_id = ? ORDER BY scan_type').all(
        hostId,
      ) as ScheduleRow[]
    ).map(toEntry);
  return {
    setHost: async (hostId, intervals, now) => {
      db.transaction(() => {
        const existing = new Map(forHost(hostId).map((e) => [e.scanType, e]));
        // A type it has a row for and is not given any more is switched off like a 0.
        for (const type of new Set([...Object.keys(intervals), ...existing.keys()])) {
          const interval = intervals[type] ?? 0;
          const old = existing.get(type);
          if (interval <= 0) {
            if (old)
              stmt(db, 'DELETE FROM scan_schedule WHERE host_id = ? AND scan_type = ?').run(
                hostId,
                type,
              );
            continue;
          }
          if (old?.intervalMs === interval) continue;
          // A new scan is due now; a changed interval counts from the last time it was queued.
          const due = old
            ? old.lastEnqueuedAt === null
              ? old.nextDueAt
              : old.lastEnqueuedAt + interval
            : now;
          stmt(
            db,
            `INSERT INTO scan_schedule (host_id, scan_type, interval_ms, next_due_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(host_id, scan_type) DO UPDATE SET interval_ms = excluded.interval_ms,
            next_due_at = excluded.next_due_at`,
          ).run(hostId, type, interval, due);
        }
      }).immediate();
    },
    listForHost: async (hostId) => forHost(hostId),
    listDue: async (types, now, limit) => {
      if (types.length === 0) return [];
      // One index range per type, merged: cost follows the due rows, not the fleet.
      const sql = `SELECT * FROM (${types
        .map(
          () =>
            'SELECT * FROM (SELECT * FROM scan_schedule WHERE scan_type = ? AND next_due_at <= ? ORDER BY next_due_at LIMIT ?)',
        )
        .join(' UNION ALL ')}) ORDER BY next_due_at LIMIT ?`;
      const args = types.flatMap((t) => [t, now, limit]);
      return (stmt(db, sql).all(...args, limit) as ScheduleRow[]).map(toEntry);
    },
    markEnqueued: async (items, now) =>
      db
        .transaction(() =>
          items.map(
            (i) =>
              stmt(
                db,
                `UPDATE scan_schedule SET next_due_at = ?, last_enqueued_at = ?, last_job_id = ?
                WHERE host_id = ? AND scan_type = ? AND next_due_at = ?`,
              ).run(i.nextDueAt, now, i.jobId, i.hostId, i.scanType, i.expectedNextDueAt)
                .changes === 1,
          ),
        )
        .immediate(),
    countDueBefore: async (types, before) =>
      types.length === 0
        ? 0
        : (
            stmt(
              db,
              `SELECT count(*) AS n FROM scan_schedule WHERE scan_type IN (${placeholders(types.length)}) AND next_due_at < ?`,
            ).get(...types, before) as { n: number }
          ).n,
  };
}
