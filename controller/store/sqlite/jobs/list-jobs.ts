import type Database from 'better-sqlite3';
import type { JobRecord } from '../../records';
import type { JobFilter, Page } from '../../store';
import { toJobRecord, type JobRow } from '../job-rows';
import { placeholders } from '../statements';

/** Newest first; the cursor is the last id returned (ids sort by creation time). */
export function listJobs(
  db: Database.Database,
  f: JobFilter,
  page: { limit: number; after?: string },
): Page<JobRecord> {
  const where: string[] = [];
  const args: unknown[] = [];
  const inList = (col: string, values: readonly string[] | undefined) => {
    if (!values) return;
    where.push(values.length ? `${col} IN (${placeholders(values.length)})` : '0');
    args.push(...values);
  };
  inList('state', f.state);
  inList('type', f.type);
  inList('trigger', f.trigger);
  const eq = (col: string, v: unknown) => {
    if (v === undefined) return;
    where.push(`${col} = ?`);
    args.push(v);
  };
  eq('host_id', f.hostId);
  eq('parent_id', f.parentId);
  if (f.createdSince !== undefined) {
    where.push('created_at >= ?');
    args.push(f.createdSince);
  }
  if (f.createdUntil !== undefined) {
    where.push('created_at <= ?');
    args.push(f.createdUntil);
  }
  if (page.after !== undefined) {
    where.push('id < ?');
    args.push(page.after);
  }
  const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...args, page.limit + 1) as JobRow[];
  const items = rows.slice(0, page.limit).map(toJobRecord);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > page.limit && last ? last.id : null };
}
