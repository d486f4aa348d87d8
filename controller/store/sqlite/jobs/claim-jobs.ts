import type Database from 'better-sqlite3';
import type { JobRecord } from '../../records';
import type { ClaimRequest } from '../../store';
import { toJobRecord, type JobRow } from '../job-rows';
import { placeholders, stmt } from '../statements';

const CANDIDATES = `SELECT id, priority, run_at FROM jobs INDEXED BY jobs_queued
  WHERE state = 'queued' AND type = ? AND run_at <= ? AND (deadline IS NULL OR deadline > ?)
  ORDER BY priority DESC, run_at LIMIT ?`;

interface Candidate {
  id: string;
  priority: number;
  run_at: number;
}

/**
 * Picks the best due jobs per type (within each type's free capacity), then moves the
 * overall best `limit` of them to running in one UPDATE. Runs as an IMMEDIATE
 * transaction, so a second process claiming at the same time waits for the write lock
 * and sees these jobs as running.
 */
export function claimJobs(db: Database.Database, req: ClaimRequest): JobRecord[] {
  return db
    .transaction((): JobRecord[] => {
      const picked: Candidate[] = [];
      for (const [type, free] of Object.entries(req.capacity)) {
        const n = Math.min(free, req.limit);
        if (n <= 0) continue;
        picked.push(...(stmt(db, CANDIDATES).all(type, req.now, req.now, n) as Candidate[]));
      }
      if (picked.length === 0) return [];
      picked.sort(
        (a, b) => b.priority - a.priority || a.run_at - b.run_at || (a.id < b.id ? -1 : 1),
      );
      const ids = picked.slice(0, req.limit).map((c) => c.id);
      const rows = stmt(
        db,
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, worker_id = ?, lease_until = ?,
         started_at = ?, cancel_requested = 0, progress = NULL
         WHERE state = 'queued' AND id IN (${placeholders(ids.length)}) RETURNING *`,
      ).all(req.workerId, req.now + req.leaseMs, req.now, ...ids) as JobRow[];
      return rows
        .map(toJobRecord)
        .sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : 1));
    })
    .immediate();
}
