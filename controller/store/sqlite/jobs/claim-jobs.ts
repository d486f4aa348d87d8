import type Database from 'better-sqlite3';
import type { JobLane, JobRecord } from '../../records';
import type { ClaimRequest } from '../../store';
import { toJobRecord, type JobRow } from '../job-rows';
import { placeholders, stmt } from '../statements';

const CANDIDATES = `SELECT id, type, lane, priority, run_at FROM jobs INDEXED BY jobs_queued_lane
  WHERE state = 'queued' AND type = ? AND lane = ? AND run_at <= ? AND (deadline IS NULL OR deadline > ?)
  ORDER BY priority DESC, run_at LIMIT ?`;

interface Candidate {
  id: string;
  type: string;
  lane: JobLane;
  priority: number;
  run_at: number;
}

const best = (a: Candidate, b: Candidate) =>
  b.priority - a.priority || a.run_at - b.run_at || (a.id < b.id ? -1 : 1);
/** Normal jobs first: the order the engine launches them in. */
const laneThenBest = (a: JobRecord, b: JobRecord) =>
  (a.lane === 'bulk' ? 1 : 0) - (b.lane === 'bulk' ? 1 : 0) ||
  b.priority - a.priority ||
  a.runAt - b.runAt ||
  (a.id < b.id ? -1 : 1);

/** The best `want` due jobs of one lane, within each type's free capacity (which it uses up). */
function pick(
  db: Database.Database,
  req: ClaimRequest,
  lane: JobLane,
  free: Map<string, number>,
  want: number,
): Candidate[] {
  if (want <= 0) return [];
  const picked: Candidate[] = [];
  for (const [type, n] of free) {
    const k = Math.min(n, want);
    if (k <= 0) continue;
    picked.push(...(stmt(db, CANDIDATES).all(type, lane, req.now, req.now, k) as Candidate[]));
  }
  const chosen = picked.sort(best).slice(0, want);
  for (const c of chosen) free.set(c.type, (free.get(c.type) ?? 0) - 1);
  return chosen;
}

/**
 * Picks the best due normal-lane jobs per type (within each type's free capacity), then
 * fills what is left of `limit` with bulk-lane jobs up to `bulkLimit`, and moves them all
 * to running in one UPDATE. Runs as an IMMEDIATE transaction, so a second process
 * claiming at the same time waits for the write lock and sees these jobs as running.
 */
export function claimJobs(db: Database.Database, req: ClaimRequest): JobRecord[] {
  return db
    .transaction((): JobRecord[] => {
      const free = new Map(Object.entries(req.capacity));
      const normal = pick(db, req, 'normal', free, req.limit);
      const bulkWant = Math.min(req.limit - normal.length, req.bulkLimit ?? Infinity);
      const ids = [...normal, ...pick(db, req, 'bulk', free, bulkWant)].map((c) => c.id);
      if (ids.length === 0) return [];
      const rows = stmt(
        db,
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, worker_id = ?, lease_until = ?,
         started_at = ?, cancel_requested = 0, progress = NULL
         WHERE state = 'queued' AND id IN (${placeholders(ids.length)}) RETURNING *`,
      ).all(req.workerId, req.now + req.leaseMs, req.now, ...ids) as JobRow[];
      return rows.map(toJobRecord).sort(laneThenBest);
    })
    .immediate();
}
