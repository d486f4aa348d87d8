/**
 * Writes the synthetic inventory of access-inventory.ts straight into a store (SQLite rows
 * or MongoDB documents, as the adapters keep them), for bench:access and bench:policy.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import { openMongoStore } from '../controller/store/mongodb/open-mongo-store';
import { syntheticHosts, type InventorySize } from './access-inventory';

/** Fills the store (run in the child, see populateInChild). */
async function populate(url: string, size: InventorySize, now: number): Promise<void> {
  let lines = 0;
  let uses = 0;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    await openSqliteStore(file).close(); // the schema
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const item = db.prepare(`INSERT INTO inventory_items (id, kind, host_id, item_key, account,
      fingerprint, data, first_seen_at, last_seen_at, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const use = db.prepare(`INSERT OR IGNORE INTO key_usage (host_id, account, fingerprint, source,
      first_used_at, last_used_at, count) VALUES (?, ?, ?, ?, ?, ?, 1)`);
    const write = db.transaction(
      (batch: ReturnType<typeof syntheticHosts> extends Generator<infer T> ? T[] : never) => {
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
          uses += h.uses.length;
        }
      },
    );
    let batch = [];
    for (const h of syntheticHosts(size, now)) {
      batch.push(h);
      if (batch.length === 100) {
        write(batch);
        batch = [];
      }
    }
    write(batch);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  } else {
    const store = await openMongoStore(url); // the indexes
    await store.close();
    const client = new MongoClient(url);
    await client.connect();
    const db = client.db();
    const items = db.collection('inventory_items');
    const usage = db.collection('key_usage');
    for (const h of syntheticHosts(size, now)) {
      await items.insertMany(
        h.rows.map(({ id, ...r }) => ({ _id: id, ...r }) as unknown as Record<string, unknown>),
        { ordered: false },
      );
      lines += h.rows.filter((r) => r.kind === 'authorized-key').length;
      if (h.uses.length > 0)
        await usage.insertMany(
          h.uses.map((u) => ({
            _id: `${u.hostId}|${u.account}|${u.fingerprint}|${u.from}`,
            ...u,
            firstUsedAt: u.lastUsedAt,
            count: 1,
          })) as unknown as Record<string, unknown>[],
        );
      uses += h.uses.length;
    }
    await client.close();
  }
  process.stdout.write(`${JSON.stringify({ lines, uses })}\n`);
}

/**
 * Fills the store with the synthetic inventory in a child process, so that the child's
 * memory is not counted in the process a bench measures. Resolves with what was written.
 */
export async function populateInChild(
  url: string,
  size: InventorySize,
  now: number,
): Promise<{ lines: number; uses: number; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_POPULATE: JSON.stringify({ url, size, now }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`populating the store failed (exit ${code})`);
  return {
    ...(JSON.parse(out.trim()) as { lines: number; uses: number }),
    ms: performance.now() - t0,
  };
}

// In the child: fill the store named in BENCH_POPULATE and exit.
const job = process.env.BENCH_POPULATE;
if (job && process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url, size, now } = JSON.parse(job) as { url: string; size: InventorySize; now: number };
  populate(url, size, now).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
