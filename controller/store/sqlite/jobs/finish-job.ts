/** Writes made by the worker holding an attempt: each is refused if the attempt is no longer its. */
import type Database from 'better-sqlite3';
import type { JobError } from '../../records';
import type { JobLease } from '../../store';
import { HELD } from '../job-rows';
import { json, stmt } from '../statements';

const lease = (l: JobLease) => ({ id: l.id, attempt: l.attempt, workerId: l.workerId });

export function renewLease(
  db: Database.Database,
  l: JobLease,
  leaseUntil: number,
  progress?: unknown,
): { held: boolean; cancelRequested: boolean } {
  const row = stmt(
    db,
    `UPDATE jobs SET lease_until = @leaseUntil, progress = coalesce(@progress, progress)
     WHERE ${HELD} AND awaiting_children = 0 RETURNING cancel_requested`,
  ).get({ ...lease(l), leaseUntil, progress: json(progress) }) as
    { cancel_requested: number } | undefined;
  return { held: row !== undefined, cancelRequested: row?.cancel_requested === 1 };
}

export function completeJob(
  db: Database.Database,
  l: JobLease,
  result: unknown,
  now: number,
): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET state = 'completed', result = @result, finished_at = @now, worker_id = NULL,
       lease_until = NULL WHERE ${HELD}`,
    ).run({ ...lease(l), result: json(result), now }).changes === 1
  );
}

export function failJob(
  db: Database.Database,
  l: JobLease,
  error: JobError,
  retryAt: number | null,
  now: number,
): boolean {
  const sql =
    retryAt === null
      ? `UPDATE jobs SET state = 'failed', error = @error, finished_at = @now, worker_id = NULL,
         lease_until = NULL WHERE ${HELD}`
      : `UPDATE jobs SET state = 'queued', error = @error, run_at = @retryAt, worker_id = NULL,
         lease_until = NULL WHERE ${HELD}`;
  return stmt(db, sql).run({ ...lease(l), error: json(error), retryAt, now }).changes === 1;
}

export function deferJob(
  db: Database.Database,
  l: JobLease,
  runAt: number,
  note: JobError,
): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET state = 'queued', error = @note, run_at = @runAt, attempts = attempts - 1,
       worker_id = NULL, lease_until = NULL WHERE ${HELD}`,
    ).run({ ...lease(l), note: json(note), runAt }).changes === 1
  );
}

export function markCancelled(db: Database.Database, l: JobLease, now: number): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET state = 'cancelled', finished_at = @now, worker_id = NULL, lease_until = NULL,
       awaiting_children = 0 WHERE ${HELD}`,
    ).run({ ...lease(l), now }).changes === 1
  );
}

export function awaitChildren(db: Database.Database, l: JobLease): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET awaiting_children = 1, worker_id = NULL, lease_until = NULL WHERE ${HELD}`,
    ).run(lease(l)).changes === 1
  );
}
