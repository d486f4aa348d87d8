/**
 * The store's table figures (rows, bytes, key headroom) and its total size, read at most
 * once per TTL in this process: counting every table's rows is too slow for each scrape
 * of /metrics, and the primary key monitor's run refreshes them anyway.
 */
import type { StoreStatsRepository, TableStat } from '../store/archive-store';

export interface StoreFigures {
  at: number;
  tables: TableStat[];
  totalBytes: number;
}

const TTL_MS = 5 * 60_000;
const cache = new WeakMap<StoreStatsRepository, StoreFigures>();

export async function storeFigures(
  stats: StoreStatsRepository,
  opts: { fresh?: boolean } = {},
): Promise<StoreFigures> {
  const hit = cache.get(stats);
  if (hit && !opts.fresh && Date.now() - hit.at < TTL_MS) return hit;
  const figures = {
    at: Date.now(),
    tables: await stats.tables(),
    totalBytes: await stats.totalBytes(),
  };
  cache.set(stats, figures);
  return figures;
}

/** The figures read last in this process, if any. */
export const lastStoreFigures = (stats: StoreStatsRepository): StoreFigures | null =>
  cache.get(stats) ?? null;

/** Share of its key range a table has used (0..1); null for a table without an integer key. */
export const keyUsedRatio = (t: TableStat): number | null =>
  t.key ? t.key.max / t.key.limit : null;
