import type Database from 'better-sqlite3';
import type { Page } from '../store';
import { placeholders } from './statements';

/** Adds `sql` with its arguments when the filter value is given. */
export function addWhere(
  where: string[],
  args: unknown[],
  value: unknown,
  sql: string,
  ...values: unknown[]
): void {
  if (value === undefined) return;
  where.push(sql);
  args.push(...values);
}

/** Restricts to the states given (an empty list matches nothing); absent, any state. */
export function addStateIn(
  where: string[],
  args: unknown[],
  states: readonly string[] | undefined,
): void {
  if (states === undefined) return;
  where.push(states.length ? `state IN (${placeholders(states.length)})` : '0');
  args.push(...states);
}

/** Newest first by id; the cursor is the last id returned (ids sort by creation). */
export function page<R extends { id: string }, T>(
  db: Database.Database,
  table: string,
  where: string[],
  args: unknown[],
  p: { limit: number; after?: string },
  map: (r: R) => T & { id: string },
): Page<T> {
  if (p.after !== undefined) {
    where.push('id < ?');
    args.push(p.after);
  }
  const sql = `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...args, p.limit + 1) as R[];
  const items = rows.slice(0, p.limit).map(map);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > p.limit && last ? last.id : null };
}
