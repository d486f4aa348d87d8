import type Database from 'better-sqlite3';
import type { JobRecord } from '../../records';
import type { JobFilter, Page } from '../../store';
import { toJobRecord, type JobRow } from '../job-rows';
import { page } from '../page-query';
import { placeholders } from '../statements';

/** Jobs matching a filter, newest first, a page at a time. */
export function listJobs(
  db: Database.Database,
  f: JobFilter,
  p: { limit: number; after?: string },
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
  return page<JobRow, JobRecord>(db, 'jobs', where, args, p, toJobRecord);
}
