import type Database from 'better-sqlite3';

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** Prepared statements are compiled once per connection: hot paths reuse them. */
export function stmt(db: Database.Database, sql: string): Database.Statement {
  let byText = cache.get(db);
  if (!byText) {
    byText = new Map();
    cache.set(db, byText);
  }
  let s = byText.get(sql);
  if (!s) {
    s = db.prepare(sql);
    byText.set(sql, s);
  }
  return s;
}

export const json = (v: unknown): string | null =>
  v === undefined || v === null ? null : JSON.stringify(v);
export const unjson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : null);
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(',');
