/**
 * Bounded reads of the inventory in the embedded store: pages of items, the distinct
 * fingerprints of the fleet, and per-fingerprint summaries. Every query has a LIMIT or is
 * limited to the fingerprints of one page.
 */
import type Database from 'better-sqlite3';
import type { InventoryKind } from '../inventory-records';
import {
  COMMENT_SCAN_LINES,
  type FingerprintFilter,
  type FingerprintSummary,
  type InventoryFilter,
  type InventoryPage,
} from '../inventory-store';
import type { Page } from '../store';
import { toItem, type InventoryRow } from './sqlite-inventory-rows';
import { placeholders, stmt } from './statements';

function itemWhere(kind: InventoryKind, f: InventoryFilter): { where: string[]; args: unknown[] } {
  const where = ['kind = ?'];
  const args: unknown[] = [kind];
  for (const [col, v] of [
    ['host_id', f.hostId],
    ['account', f.account],
    ['fingerprint', f.fingerprint],
  ] as const) {
    if (v === undefined) continue;
    where.push(`${col} = ?`);
    args.push(v);
  }
  if (!f.includeRemoved) where.push('removed_at IS NULL');
  return { where, args };
}

export function sqliteItemPage<K extends InventoryKind>(
  db: Database.Database,
  kind: K,
  f: InventoryFilter,
  p: InventoryPage,
) {
  const { where, args } = itemWhere(kind, f);
  // Across the fleet, walk the primary key: with `kind = ?` usable the planner reads every
  // item of the kind through an index and sorts them for each page (quadratic over a walk
  // of two million lines). Within one host or key, that index is the short way.
  if (f.hostId === undefined && f.fingerprint === undefined) where[0] = '+kind = ?';
  if (p.after !== undefined) {
    where.push('id > ?');
    args.push(p.after);
  }
  const rows = stmt(
    db,
    `SELECT * FROM inventory_items WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
  ).all(...args, p.limit + 1) as InventoryRow[];
  const items = rows.slice(0, p.limit).map((r) => toItem<K>(r));
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > p.limit && last ? last.id : null };
}

/** Each kind read through the (kind, fingerprint) index, then merged: one page of distinct values. */
export function sqliteFingerprintPage(
  db: Database.Database,
  f: FingerprintFilter,
  p: InventoryPage,
): Page<string> {
  const found = new Set<string>();
  for (const kind of f.kinds) {
    if (f.comment !== undefined && kind !== 'authorized-key') continue;
    const where = ['kind = ?', 'fingerprint IS NOT NULL', 'removed_at IS NULL'];
    const args: unknown[] = [kind];
    const add = (sql: string, ...values: unknown[]) => {
      where.push(sql);
      args.push(...values);
    };
    if (f.hostId !== undefined) add('host_id = ?', f.hostId);
    if (p.after !== undefined) add('fingerprint > ?', p.after);
    // A range, so the fingerprint index finds the prefix instead of testing every key.
    if (f.prefix !== undefined)
      add('fingerprint >= ? AND fingerprint < ?', f.prefix, `${f.prefix}\uffff`);
    // One host's items are few: read them by host and sort, rather than walk the fleet's
    // fingerprint index in order (which the planner prefers, to skip the sort).
    const from = f.hostId === undefined ? '' : 'INDEXED BY inventory_host';
    if (f.comment !== undefined)
      return sqliteCommentPage(db, { from, where, args }, { ...f, comment: f.comment }, p.limit);
    const rows = stmt(
      db,
      `SELECT DISTINCT fingerprint FROM inventory_items ${from} WHERE ${where.join(' AND ')}
      ORDER BY fingerprint LIMIT ?`,
    ).all(...args, p.limit + 1) as Array<{ fingerprint: string }>;
    for (const r of rows) found.add(r.fingerprint);
  }
  const sorted = [...found].sort();
  const items = sorted.slice(0, p.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: sorted.length > p.limit && last ? last : null };
}

/**
 * A comment search reads a window of lines in fingerprint order: up to the fingerprint of
 * the COMMENT_SCAN_LINES-th line (found from the index alone), with every line of that last
 * key, so the next page starts after a key read whole.
 */
function sqliteCommentPage(
  db: Database.Database,
  q: { from: string; where: string[]; args: unknown[] },
  f: FingerprintFilter & { comment: string },
  limit: number,
): Page<string> {
  const base = `FROM inventory_items ${q.from} WHERE ${q.where.join(' AND ')}`;
  const edge = stmt(db, `SELECT fingerprint ${base} ORDER BY fingerprint LIMIT 1 OFFSET ?`).get(
    ...q.args,
    (f.scanLines ?? COMMENT_SCAN_LINES) - 1,
  ) as { fingerprint: string } | undefined;
  const rows = stmt(
    db,
    `SELECT DISTINCT fingerprint ${base} ${edge ? 'AND fingerprint <= ?' : ''}
    AND json_extract(data, '$.comment') LIKE ? ESCAPE '\\' ORDER BY fingerprint LIMIT ?`,
  ).all(
    ...q.args,
    ...(edge ? [edge.fingerprint] : []),
    `%${f.comment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    limit + 1,
  ) as Array<{ fingerprint: string }>;
  const items = rows.slice(0, limit).map((r) => r.fingerprint);
  if (rows.length > limit) return { items, nextCursor: items.at(-1) ?? null };
  return { items, nextCursor: edge?.fingerprint ?? null };
}

export function sqliteSummarize(
  db: Database.Database,
  kind: InventoryKind,
  fingerprints: string[],
): FingerprintSummary[] {
  if (fingerprints.length === 0) return [];
  // Counts from the (kind, fingerprint, removed_at, host_id, first_seen_at) index alone;
  // the data (type, bits) of one item per key is read apart, so no row is visited per line.
  const rows = db
    .prepare(
      `SELECT fingerprint, COUNT(*) AS items, COUNT(DISTINCT host_id) AS hosts,
      MIN(first_seen_at) AS first_seen_at FROM inventory_items
      INDEXED BY inventory_fingerprint_hosts WHERE kind = ? AND removed_at IS NULL
      AND fingerprint IN (${placeholders(fingerprints.length)}) GROUP BY fingerprint`,
    )
    .all(kind, ...fingerprints) as Array<{
    fingerprint: string;
    items: number;
    hosts: number;
    first_seen_at: number;
  }>;
  const one = stmt(
    db,
    `SELECT data FROM inventory_items INDEXED BY inventory_fingerprint_hosts
    WHERE kind = ? AND fingerprint = ? AND removed_at IS NULL LIMIT 1`,
  );
  return rows.map((r) => ({
    fingerprint: r.fingerprint,
    items: r.items,
    hosts: r.hosts,
    firstSeenAt: r.first_seen_at,
    data: JSON.parse((one.get(kind, r.fingerprint) as { data: string }).data) as unknown,
  }));
}
