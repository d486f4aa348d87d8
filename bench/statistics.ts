/**
 * internal-calculate-statistics' key figures over the synthetic inventory of bench:access
 * (BENCH_STATS_HOSTS hosts × 20 accounts × 10 lines: 10,000 hosts is 2,000,000 lines), on
 * the embedded store. The store is filled by populate-inventory.ts, the statistics computed in a
 * child whose peak memory is its own. Prints one JSON line: npm run bench:statistics
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keyStatistics } from '../controller/reports/key-statistics';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import type { InventorySize } from './access-inventory';
import { populateInChild } from './populate-inventory';

const hosts = Number(process.env.BENCH_STATS_HOSTS ?? 10_000);
const size: InventorySize = { hosts, accountsPerHost: 20, keys: hosts * 20, linesPerAccount: 10 };
const NOW = Date.UTC(2026, 10, 1);

async function measure(file: string): Promise<void> {
  const store = openSqliteStore(file);
  const t0 = performance.now();
  const stats = await keyStatistics(store, NOW, NOW - 86_400_000);
  const ms = performance.now() - t0;
  await store.close();
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ ms: Math.round(ms), maxRssMb, stats })}\n`);
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3]!);
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-stats-'));
  const file = path.join(dir, 'keywarden.db');
  try {
    // The hosts are registered (statistics count the lines of registered hosts), then the
    // inventory is bulk-loaded, as bench:access and bench:policy fill theirs.
    const populated = await populateInChild(`sqlite:${file}`, size, NOW);
    const lines = populated.lines;
    const populateMs = Math.round(populated.ms);
    const out = execFileSync(
      process.execPath,
      [...process.execArgv, import.meta.filename, '--measure', file],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const m = JSON.parse(out) as {
      ms: number;
      maxRssMb: number;
      stats: { keys: { total: number }; authorizedKeys: { lines: number } };
    };
    process.stdout.write(
      `${JSON.stringify({ bench: 'statistics', store: 'sqlite', hosts, lines, populateMs, statisticsMs: m.ms, maxRssMb: m.maxRssMb, keys: m.stats.keys.total, presentLines: m.stats.authorizedKeys.lines })}\n`,
    );
  } finally {
    if (!process.env.BENCH_STATS_KEEP) rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`kept ${file}\n`);
  }
}
