import type Database from 'better-sqlite3';
import type { JobRecord } from '../../records';
import { toJobRecord, type JobRow } from '../job-rows';
import { stmt } from '../statements';

/** A queued job ends at once; a running one is flagged and its worker aborts it. */
export function requestCancel(db: Database.Database, id: string, now: number): JobRecord | null {
  return db
    .transaction((): JobRecord | null => {
      const row =
        (stmt(
          db,
          `UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ? AND state = 'queued' RETURNING *`,
        ).get(now, id) as JobRow | undefined) ??
        (stmt(
          db,
          `UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state = 'running' RETURNING *`,
        ).get(id) as JobRow | undefined) ??
        (stmt(db, `SELECT * FROM jobs WHERE id = ?`).get(id) as JobRow | undefined);
      return row ? toJobRecord(row) : null;
    })
    .immediate();
}

/** Only ended, unsuccessful jobs can be retried; they start over with fresh attempts. */
export function retryJob(db: Database.Database, id: string, now: number): JobRecord | null {
  const row = stmt(
    db,
    `UPDATE jobs SET state = 'queued', attempts = 0, error = NULL, result = NULL, run_at = ?,
     finished_at = NULL, started_at = NULL, cancel_requested = 0, progress = NULL,
     deadline = CASE WHEN deadline IS NOT NULL AND deadline <= ? THEN NULL ELSE deadline END
     WHERE id = ? AND state IN ('failed', 'cancelled', 'expired') RETURNING *`,
  ).get(now, now, id) as JobRow | undefined;
  return row ? toJobRecord(row) : null;
}
