import type Database from 'better-sqlite3';
import { JOB_STATES, type JobRecord, type JobState } from '../../records';
import { toJobRecord, type JobRow } from '../job-rows';
import { stmt } from '../statements';

export function countChildren(db: Database.Database, parentId: string): Record<JobState, number> {
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const rows = stmt(
    db,
    `SELECT state, count(*) AS n FROM jobs WHERE parent_id = ? GROUP BY state`,
  ).all(parentId) as Array<{ state: JobState; n: number }>;
  for (const r of rows) counts[r.state] = r.n;
  return counts;
}

/** One conditional UPDATE: completes the parent only while it awaits and no child is active. */
export function finishParentIfDone(
  db: Database.Database,
  parentId: string,
  now: number,
): JobRecord | null {
  return db
    .transaction((): JobRecord | null => {
      const counts = countChildren(db, parentId);
      if (counts.queued > 0 || counts.running > 0) return null;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const result = { children: { ...counts, total } };
      const row = stmt(
        db,
        `UPDATE jobs SET state = 'completed', awaiting_children = 0, finished_at = ?, result = ?
         WHERE id = ? AND state = 'running' AND awaiting_children = 1 RETURNING *`,
      ).get(now, JSON.stringify(result), parentId) as JobRow | undefined;
      return row ? toJobRecord(row) : null;
    })
    .immediate();
}

export function listParentsReadyToFinish(db: Database.Database, limit: number): string[] {
  const rows = stmt(
    db,
    `SELECT p.id FROM jobs p INDEXED BY jobs_awaiting WHERE p.awaiting_children = 1 AND p.state = 'running'
     AND NOT EXISTS (SELECT 1 FROM jobs c WHERE c.parent_id = p.id AND c.state IN ('queued', 'running'))
     LIMIT ?`,
  ).all(limit) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}
