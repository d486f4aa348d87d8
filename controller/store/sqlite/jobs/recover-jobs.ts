/** The watchdog's store operations: expired leases, overdue deadlines, purges. */
import type Database from 'better-sqlite3';
import type { JobState } from '../../records';
import { LEASE_EXPIRED_ERROR } from '../../job-errors';
import { placeholders, stmt } from '../statements';

const LEASE_EXPIRED = JSON.stringify(LEASE_EXPIRED_ERROR);

export function reclaimExpiredLeases(
  db: Database.Database,
  now: number,
): { requeued: string[]; failed: string[]; cancelled: string[] } {
  return db
    .transaction(() => {
      const ids = (r: Array<{ id: string }>) => r.map((x) => x.id).sort();
      const cancelled = stmt(
        db,
        `UPDATE jobs SET state = 'cancelled', finished_at = ?, worker_id = NULL, lease_until = NULL
         WHERE state = 'running' AND lease_until IS NOT NULL AND lease_until < ? AND cancel_requested = 1
         RETURNING id`,
      ).all(now, now) as Array<{ id: string }>;
      const failed = stmt(
        db,
        `UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, worker_id = NULL, lease_until = NULL
         WHERE state = 'running' AND lease_until IS NOT NULL AND lease_until < ? AND attempts >= max_attempts
         RETURNING id`,
      ).all(LEASE_EXPIRED, now, now) as Array<{ id: string }>;
      const requeued = stmt(
        db,
        `UPDATE jobs SET state = 'queued', worker_id = NULL, lease_until = NULL, run_at = ?
         WHERE state = 'running' AND lease_until IS NOT NULL AND lease_until < ? RETURNING id`,
      ).all(now, now) as Array<{ id: string }>;
      return { requeued: ids(requeued), failed: ids(failed), cancelled: ids(cancelled) };
    })
    .immediate();
}

export function expireOverdue(db: Database.Database, now: number): string[] {
  const rows = stmt(
    db,
    `UPDATE jobs SET state = 'expired', finished_at = ? WHERE state = 'queued'
     AND deadline IS NOT NULL AND deadline <= ? RETURNING id`,
  ).all(now, now) as Array<{ id: string }>;
  return rows.map((r) => r.id).sort();
}

export function purgeEnded(
  db: Database.Database,
  c: { finishedBefore: number; types?: string[]; states?: JobState[] },
): number {
  const states = c.states ?? ['completed', 'failed', 'cancelled', 'expired'];
  const where = [
    `finished_at IS NOT NULL`,
    `finished_at < ?`,
    `state IN (${placeholders(states.length)})`,
  ];
  const args: unknown[] = [c.finishedBefore, ...states];
  if (c.types) {
    where.push(`type IN (${placeholders(c.types.length)})`);
    args.push(...c.types);
  }
  return db.prepare(`DELETE FROM jobs WHERE ${where.join(' AND ')}`).run(...args).changes;
}
