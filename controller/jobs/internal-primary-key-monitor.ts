import { keyUsedRatio, lastStoreFigures, storeFigures } from '../health/store-figures';
import { defineMonitor } from './define-monitor';
import type { MonitorFinding } from './monitor-alerts';

const GiB = 1024 ** 3;

/**
 * The seed's Primary key monitor, with the store's growth: a "store" alert for a table
 * (SQLite) or collection (MongoDB) whose integer key has used more of its range than
 * storeKeyMaxUsedPercent (an AUTOINCREMENT table at its limit refuses every insert),
 * one holding more rows than storeTableMaxRows, and a store larger than storeMaxBytes;
 * resolved when back under. Growth since the figures read before is in the result.
 */
export const internalPrimaryKeyMonitor = defineMonitor({
  type: 'internal-primary-key-monitor',
  alertType: 'store',
  describe:
    'Raises alerts when a store table nears the end of its key range, or tables or the store grow past their limits',
  intervalMs: 60 * 60_000,
  timeoutMs: 10 * 60_000,
  // It counts every table's rows: not at every start, ten minutes in and then hourly.
  firstRunAfterMs: 10 * 60_000,
  async check(ctx) {
    const {
      storeKeyMaxUsedPercent: maxPct,
      storeTableMaxRows: maxRows,
      storeMaxBytes: maxBytes,
    } = ctx.config;
    // Growth: against the figures this process read before (Prometheus keeps the history:
    // deriv(keywarden_store_bytes[1d]) is the growth per second over a day).
    const previous = lastStoreFigures(ctx.store.storeStats);
    const figures = await storeFigures(ctx.store.storeStats, { fresh: true });
    const findings: MonitorFinding[] = [];
    for (const t of figures.tables) {
      const used = keyUsedRatio(t);
      if (t.key && used !== null && used * 100 > maxPct)
        findings.push({
          key: `key:${t.table}`,
          subject: `table:${t.table}`,
          severity: used > 0.95 ? 'critical' : 'warning',
          message: `table ${t.table} has used ${(used * 100).toFixed(1)}% of its ${t.key.column} range (largest ${t.key.max}, limit ${t.key.limit}), more than ${maxPct}%`,
          context: {
            extra: {
              table: t.table,
              column: t.key.column,
              keyMax: t.key.max,
              keyLimit: t.key.limit,
              maxPercent: maxPct,
            },
          },
        });
      if (t.rows > maxRows)
        findings.push({
          key: `rows:${t.table}`,
          subject: `table:${t.table}`,
          severity: 'warning',
          message: `table ${t.table} holds ${t.rows} rows, more than ${maxRows}`,
          context: { extra: { table: t.table, rows: t.rows, bytes: t.bytes, maxRows } },
        });
    }
    if (figures.totalBytes > maxBytes)
      findings.push({
        key: 'size',
        subject: 'store',
        severity: 'warning',
        message: `the store takes ${(figures.totalBytes / GiB).toFixed(2)} GiB, more than ${(maxBytes / GiB).toFixed(2)} GiB`,
        context: { extra: { totalBytes: figures.totalBytes, maxBytes } },
      });
    return {
      findings,
      summary: {
        totalBytes: figures.totalBytes,
        ...(previous
          ? {
              growthBytes: figures.totalBytes - previous.totalBytes,
              growthSinceMs: figures.at - previous.at,
            }
          : {}),
        tables: figures.tables.length,
        largestKeyUsedPercent: Math.max(
          0,
          ...figures.tables.map((t) => (keyUsedRatio(t) ?? 0) * 100),
        ),
        rows: Object.fromEntries(figures.tables.map((t) => [t.table, t.rows])),
      },
    };
  },
});
