/**
 * Bounded reads of the inventory in MongoDB: pages of items, the distinct fingerprints of
 * the fleet, and per-fingerprint summaries (one aggregation over a page of fingerprints).
 */
import type { Filter } from 'mongodb';
import type { InventoryKind } from '../inventory-records';
import {
  COMMENT_SCAN_LINES,
  type FingerprintFilter,
  type FingerprintSummary,
  type InventoryFilter,
  type InventoryPage,
} from '../inventory-store';
import type { Page } from '../store';
import { toItem, type InventoryCollections, type InventoryDoc } from './inventory-collections';

function itemFilter(kind: InventoryKind, f: InventoryFilter): Filter<InventoryDoc> {
  const filter: Filter<InventoryDoc> = { kind };
  if (f.hostId !== undefined) filter.hostId = f.hostId;
  if (f.account !== undefined) filter.account = f.account;
  if (f.fingerprint !== undefined) filter.fingerprint = f.fingerprint;
  if (!f.includeRemoved) filter.removedAt = null;
  return filter;
}

export async function mongoItemPage<K extends InventoryKind>(
  c: InventoryCollections,
  kind: K,
  f: InventoryFilter,
  p: InventoryPage,
) {
  const filter = itemFilter(kind, f);
  if (p.after !== undefined) filter._id = { $gt: p.after };
  const docs = await c.items.find(filter, { sort: { _id: 1 }, limit: p.limit + 1 }).toArray();
  const items = docs.slice(0, p.limit).map((d) => toItem<K>(d));
  const last = items[items.length - 1];
  return { items, nextCursor: docs.length > p.limit && last ? last.id : null };
}

/**
 * `data` is the item's JSON text (JSON.stringify, no spaces): the text is looked for, as
 * JSON writes it and with regex characters escaped, inside the string value of "comment".
 */
const commentPattern = (text: string) => {
  const asJson = JSON.stringify(text).slice(1, -1);
  return `"comment":"(?:[^"\\\\]|\\\\.)*${asJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
};

/** Reads each kind in fingerprint order (the (kind, fingerprint) index) until a page of distinct values. */
export async function mongoFingerprintPage(
  c: InventoryCollections,
  f: FingerprintFilter,
  p: InventoryPage,
): Promise<Page<string>> {
  const found = new Set<string>();
  for (const kind of f.kinds) {
    if (f.comment !== undefined && kind !== 'authorized-key') continue;
    const range: { $ne?: null; $gt?: string; $gte?: string; $lt?: string; $lte?: string } =
      p.after === undefined ? { $ne: null } : { $gt: p.after };
    if (f.prefix !== undefined) {
      range.$gte = f.prefix;
      range.$lt = `${f.prefix}\uffff`;
    }
    const filter: Filter<InventoryDoc> = { kind, removedAt: null, fingerprint: range };
    if (f.hostId !== undefined) filter.hostId = f.hostId;
    let edge: string | null = null;
    if (f.comment !== undefined) {
      // The window of a comment search (see FingerprintFilter.comment): up to the key of the
      // COMMENT_SCAN_LINES-th line, that key's every line included.
      const nth = await c.items.findOne(filter, {
        sort: { fingerprint: 1 },
        skip: (f.scanLines ?? COMMENT_SCAN_LINES) - 1,
        projection: { fingerprint: 1 },
      });
      edge = nth?.fingerprint ?? null;
      if (edge !== null) range.$lte = edge;
      filter.data = { $regex: commentPattern(f.comment), $options: 'i' };
    }
    const cursor = c.items.find(filter, {
      sort: { fingerprint: 1 },
      projection: { fingerprint: 1 },
      batchSize: 500,
    });
    const seen = new Set<string>();
    try {
      for await (const d of cursor) {
        if (d.fingerprint === null) continue;
        seen.add(d.fingerprint);
        found.add(d.fingerprint);
        if (seen.size > p.limit) break;
      }
    } finally {
      await cursor.close();
    }
    if (f.comment !== undefined) {
      const items = [...seen].sort().slice(0, p.limit);
      return { items, nextCursor: seen.size > p.limit ? (items.at(-1) ?? null) : edge };
    }
  }
  const sorted = [...found].sort();
  const items = sorted.slice(0, p.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: sorted.length > p.limit && last ? last : null };
}

export async function mongoSummarize(
  c: InventoryCollections,
  kind: InventoryKind,
  fingerprints: string[],
): Promise<FingerprintSummary[]> {
  if (fingerprints.length === 0) return [];
  // One row per (fingerprint, host), summed here; the earliest item by a sorted findOne:
  // MongoDB-compatible servers (FerretDB) lack $min and $first, and miscount a constant
  // $sum after a compound $group.
  const match = { kind, removedAt: null, fingerprint: { $in: fingerprints } };
  const perHost = await c.items
    .aggregate<{ _id: { fingerprint: string; hostId: string }; items: number }>([
      { $match: match },
      { $group: { _id: { fingerprint: '$fingerprint', hostId: '$hostId' }, items: { $sum: 1 } } },
    ])
    .toArray();
  const byFingerprint = new Map<string, { _id: string; items: number; hosts: number }>();
  for (const r of perHost) {
    const sum = byFingerprint.get(r._id.fingerprint) ?? {
      _id: r._id.fingerprint,
      items: 0,
      hosts: 0,
    };
    sum.items += r.items;
    sum.hosts += 1;
    byFingerprint.set(sum._id, sum);
  }
  const counts = [...byFingerprint.values()];
  const earliest = await Promise.all(
    counts.map((r) =>
      c.items.findOne(
        { kind, removedAt: null, fingerprint: r._id },
        { sort: { firstSeenAt: 1 }, projection: { firstSeenAt: 1, data: 1 } },
      ),
    ),
  );
  const rows = counts.map((r, i) => ({
    ...r,
    firstSeenAt: earliest[i]?.firstSeenAt ?? 0,
    data: earliest[i]?.data ?? 'null',
  }));
  return rows.map((r) => ({
    fingerprint: r._id,
    items: r.items,
    hosts: r.hosts,
    firstSeenAt: r.firstSeenAt,
    data: JSON.parse(r.data) as unknown,
  }));
}
