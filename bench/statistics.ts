/**
 * internal-calculate-statistics' key figures over the synthetic inventory of bench:access
 * (BENCH_STATS_HOSTS hosts × 20 accounts × 10 lines: 10,000 hosts is 2,000,000 lines), on
 * the embedded store. The store is filled in this process, the statistics computed in a
 * child whose peak memory is its own. Prints one JSON line. Run: npx tsx bench/statistics.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { keyStatistics } from '../controller/reports/key-statistics';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import { hostIdOf, syntheticHosts, type InventorySize } from './access-inventory';

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

function populate(file: string): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const item = db.prepare(`INSERT INTO inventory_items (id, kind, host_id, item_key, account,
    fingerprint, data, first_seen_at, last_seen_at, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const use = db.prepare(`INSERT OR IGNORE INTO key_usage (host_id, account, fingerprint, source,
    first_used_at, last_used_at, count) VALUES (?, ?, ?, ?, ?, ?, 1)`);
  let lines = 0;
  const write = db.transaction(
    (batch: Array<ReturnType<typeof syntheticHosts> extends Generator<infer T> ? T : never>) => {
      for (const h of batch) {
        for (const r of h.rows) {
          item.run(
            r.id,
            r.kind,
            r.hostId,
            r.key,
            r.account,
            r.fingerprint,
            r.data,
            r.firstSeenAt,
            r.lastSeenAt,
            r.removedAt,
          );
          if (r.kind === 'authorized-key') lines++;
        }
        for (const u of h.uses)
          use.run(u.hostId, u.account, u.fingerprint, u.from, u.lastUsedAt, u.lastUsedAt);
      }
    },
  );
  let batch = [];
  for (const h of syntheticHosts(size, NOW)) {
    batch.push(h);
    if (batch.length === 100) {
      write(batch);
      batch = [];
    }
  }
  write(batch);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return lines;
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3]!);
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-stats-'));
  const file = path.join(dir, 'keywarden.db');
  try {
    // The hosts first: statistics count the lines of registered hosts.
    const schema = openSqliteStore(file, { synchronous: 'NORMAL' });
    for (let h = 0; h < hosts; h += 1000)
      await schema.hosts.createMany(
        Array.from({ length: Math.min(1000, hosts - h) }, (_, i) => ({
          id: hostIdOf(h + i),
          name: `${hostIdOf(h + i)}.example`,
          address: '10.0.0.1',
          port: 22,
          kind: 'agentless' as const,
          state: 'managed' as const,
          hostKeyFingerprint: null,
          managementAccount: null,
          agentId: null,
          os: null,
          sshProduct: null,
          lastSeenAt: null,
        })),
        NOW,
      );
    await schema.close();
    const t0 = performance.now();
    const lines = populate(file);
    const populateMs = Math.round(performance.now() - t0);
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
