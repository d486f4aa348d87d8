/** Reporting data blocks and expiring records in the embedded store. */
import type Database from 'better-sqlite3';
import { newId } from '../ids';
import type { ExpiringRecord, ReportingRecord } from '../host-records';
import type { ExpiringRecordRepository, ReportingDataRepository } from '../host-store';
import { stmt } from './statements';

interface ReportingRow {
  id: string;
  kind: string;
  created_at: number;
  data: string;
}
const toReporting = (r: ReportingRow): ReportingRecord => ({
  id: r.id,
  kind: r.kind as ReportingRecord['kind'],
  createdAt: r.created_at,
  data: JSON.parse(r.data) as Record<string, unknown>,
});

export function sqliteReportingDataRepository(db: Database.Database): ReportingDataRepository {
  return {
    add: async (kind, data, now) => {
      const rec: ReportingRecord = { id: newId(now), kind, createdAt: now, data };
      stmt(db, 'INSERT INTO reporting_data (id, kind, created_at, data) VALUES (?, ?, ?, ?)').run(
        rec.id,
        kind,
        now,
        JSON.stringify(data),
      );
      return rec;
    },
    latest: async (kind) => {
      const row = stmt(
        db,
        'SELECT * FROM reporting_data WHERE kind = ? ORDER BY id DESC LIMIT 1',
      ).get(kind) as ReportingRow | undefined;
      return row ? toReporting(row) : null;
    },
    latestBefore: async (kind, before) => {
      const row = stmt(
        db,
        'SELECT * FROM reporting_data WHERE kind = ? AND created_at < ? ORDER BY id DESC LIMIT 1',
      ).get(kind, before) as ReportingRow | undefined;
      return row ? toReporting(row) : null;
    },
    purge: async (before) =>
      stmt(db, 'DELETE FROM reporting_data WHERE created_at < ?').run(before).changes,
  };
}

interface ExpiringRow {
  id: string;
  kind: string;
  subject_id: string;
  host_id: string | null;
  expires_at: number;
  action: string;
  scheduled_job_id: string | null;
}
const toExpiring = (r: ExpiringRow): ExpiringRecord => ({
  id: r.id,
  kind: r.kind,
  subjectId: r.subject_id,
  hostId: r.host_id,
  expiresAt: r.expires_at,
  action: JSON.parse(r.action) as ExpiringRecord['action'],
  scheduledJobId: r.scheduled_job_id,
});

export function sqliteExpiringRecordRepository(db: Database.Database): ExpiringRecordRepository {
  const list = (sql: string, ...args: unknown[]) =>
    (stmt(db, sql).all(...args) as ExpiringRow[]).map(toExpiring);
  return {
    upsert: async (r) => {
      stmt(
        db,
        `INSERT INTO expiring_records (id, kind, subject_id, host_id, expires_at, action)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET kind = excluded.kind,
        subject_id = excluded.subject_id, host_id = excluded.host_id, action = excluded.action,
        scheduled_job_id = CASE WHEN expires_at = excluded.expires_at THEN scheduled_job_id END,
        expires_at = excluded.expires_at`,
      ).run(r.id, r.kind, r.subjectId, r.hostId, r.expiresAt, JSON.stringify(r.action));
    },
    get: async (id) => list('SELECT * FROM expiring_records WHERE id = ?', id)[0] ?? null,
    listUnscheduled: async (until, limit) =>
      list(
        `SELECT * FROM expiring_records WHERE scheduled_job_id IS NULL AND expires_at <= ?
        ORDER BY expires_at LIMIT ?`,
        until,
        limit,
      ),
    listScheduledBefore: async (before, limit) =>
      list(
        `SELECT * FROM expiring_records WHERE scheduled_job_id IS NOT NULL AND expires_at < ?
        ORDER BY expires_at LIMIT ?`,
        before,
        limit,
      ),
    markScheduled: async (id, jobId) =>
      stmt(
        db,
        'UPDATE expiring_records SET scheduled_job_id = ? WHERE id = ? AND scheduled_job_id IS NULL',
      ).run(jobId, id).changes === 1,
    remove: async (id) =>
      stmt(db, 'DELETE FROM expiring_records WHERE id = ?').run(id).changes === 1,
  };
}
