/**
 * Writes the synthetic inventory of access-inventory.ts straight into a store, for
 * bench:access and bench:policy: the hosts (registered, the first groupHosts(size) in
 * GROUP_ID, every robot but the watchdog off), then the inventory rows as a bulk load (SQLite rows or
 * MongoDB documents and host rosters, as the adapters keep them).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { buildRegistry } from '../controller/jobs/registry';
import { NO_OVERRIDES, type NewHost } from '../controller/store/host-records';
import { openMongoStore } from '../controller/store/mongodb/open-mongo-store';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../controller/store/store';
import { hostIdOf, syntheticHosts, type InventorySize } from './access-inventory';

/** The fleet's hosts as the hosts table holds them; the first groupHosts(size) are in one group. */
export const GROUP_ID = 'bench-group';
/** How many of the first hosts are in GROUP_ID. */
export const groupHosts = (size: InventorySize) => Math.min(1000, size.hosts);
function benchHosts(size: InventorySize): NewHost[] {
  return Array.from({ length: size.hosts }, (_, h) => ({
    id: hostIdOf(h),
    name: `bench-host-${h}`,
    address: `10.${(h >> 16) & 255}.${(h >> 8) & 255}.${h & 255}`,
    port: 22,
    // Agent hosts without an agent: the grant's children wait for it, touching no network.
    kind: 'agent' as const,
    state: 'managed' as const,
    groupId: h < groupHosts(size) ? GROUP_ID : null,
    hostKeyFingerprint: null,
    managementAccount: null,
    agentId: null,
    os: null,
    sshProduct: null,
    lastSeenAt: null,
  }));
}

async function addHosts(store: Store, size: InventorySize, now: number): Promise<void> {
  // What a bench measures runs alone: every robot is stored disabled (a stored robot keeps
  // its settings when the controller starts), so neither the scheduler's 10,000 scans nor a
  // first internal-reporting or statistics run over the 2,000,000 lines competes with it.
  const registry = buildRegistry({ testJobTypes: false });
  for (const [type, def] of Object.entries(registry)) {
    // the watchdog, and graph-analysis: bench:access asks for a run, which a disabled robot refuses to start
    if (!def.robot || type === 'internal-process-manager' || type === 'graph-analysis') continue;
    await store.robots.ensure({
      type,
      instances: def.robot.instances,
      intervalMs: def.robot.intervalMs,
      windowStart: null,
      windowEnd: null,
      enabled: false,
      nextRunAt: null,
      lastStartedAt: null,
      lastJobId: null,
      updatedAt: now,
      updatedBy: 'bench',
    });
  }
  await store.hostGroups.create(
    { id: GROUP_ID, name: GROUP_ID, description: '', scanIntervalsMs: NO_OVERRIDES },
    now,
  );
  const hosts = benchHosts(size);
  for (let i = 0; i < hosts.length; i += 1000)
    await store.hosts.createMany(hosts.slice(i, i + 1000), now);
}

type HostRows = ReturnType<typeof syntheticHosts> extends Generator<infer T> ? T : never;

/**
 * SQLite, as a bulk load does it: the secondary indexes of the tables written are dropped
 * and built again at the end (one sorted pass each, instead of 2 million random inserts into
 * three fingerprint-ordered B-trees that outgrow the cache), no journal, big transactions.
 * The indexes are rebuilt from their own CREATE statements, so they are the migrations'.
 */
function populateSqlite(
  file: string,
  size: InventorySize,
  now: number,
): { lines: number; uses: number } {
  let lines = 0;
  let uses = 0;
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.pragma('temp_store = MEMORY');
  db.pragma('locking_mode = EXCLUSIVE');
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
        AND tbl_name IN ('inventory_items', 'key_usage')`,
    )
    .all() as Array<{ name: string; sql: string }>;
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
  const item = db.prepare(`INSERT INTO inventory_items (id, kind, host_id, item_key, account,
    fingerprint, data, first_seen_at, last_seen_at, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const use = db.prepare(`INSERT OR IGNORE INTO key_usage (host_id, account, fingerprint, source,
    first_used_at, last_used_at, count) VALUES (?, ?, ?, ?, ?, ?, 1)`);
  const write = db.transaction((batch: HostRows[]) => {
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
  });
  let batch: HostRows[] = [];
  for (const h of syntheticHosts(size, now)) {
    batch.push(h);
    if (batch.length === 1000) {
      write(batch);
      batch = [];
    }
  }
  write(batch);
  for (const i of indexes) db.exec(i.sql);
  db.pragma('locking_mode = NORMAL');
  db.pragma('journal_mode = WAL');
  db.close();
  return { lines, uses };
}

/** The child: fills the store and exits, so its memory is not the controller's. */
async function populate(url: string, size: InventorySize, now: number): Promise<void> {
  let lines = 0;
  let uses = 0;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    const store = openSqliteStore(file, { synchronous: 'NORMAL' }); // the schema
    await addHosts(store, size, now);
    await store.close();
    ({ lines, uses } = populateSqlite(file, size, now));
  } else {
    const store = await openMongoStore(url); // the indexes
    await addHosts(store, size, now);
    await store.close();
    const client = new MongoClient(url);
    await client.connect();
    const db = client.db();
    const items = db.collection('inventory_items');
    const usage = db.collection('key_usage');
    // What the scans' sync writes beside the items: each host's roster per kind
    // (mongo-inventory-roster.ts), so its items are read by _id.
    const rosters = db.collection('inventory_rosters');
    // Many hosts per insertMany: fewer round trips (the server's own work is the same).
    let docs: Record<string, unknown>[] = [];
    let useDocs: Record<string, unknown>[] = [];
    let rosterDocs: Record<string, unknown>[] = [];
    const flush = async () => {
      if (docs.length) await items.insertMany(docs, { ordered: false });
      if (useDocs.length) await usage.insertMany(useDocs, { ordered: false });
      if (rosterDocs.length) await rosters.insertMany(rosterDocs, { ordered: false });
      docs = [];
      useDocs = [];
      rosterDocs = [];
    };
    for (const h of syntheticHosts(size, now)) {
      for (const { id, ...r } of h.rows)
        docs.push({ _id: id, ...r } as unknown as Record<string, unknown>);
      lines += h.rows.filter((r) => r.kind === 'authorized-key').length;
      // BENCH_ACCESS_ROSTERS=0: none, so reads take the filtered query (the figure before rosters).
      if (process.env.BENCH_ACCESS_ROSTERS !== '0')
        for (const kind of ['account', 'authorized-key', 'private-key'])
          rosterDocs.push({
            _id: `${h.rows[0]!.hostId}|${kind}`,
            ids: h.rows.filter((r) => r.kind === kind).map((r) => r.id),
            complete: true,
          });
      for (const u of h.uses)
        useDocs.push({
          _id: `${u.hostId}|${u.account}|${u.fingerprint}|${u.from}`,
          ...u,
          firstUsedAt: u.lastUsedAt,
          count: 1,
        } as unknown as Record<string, unknown>);
      uses += h.uses.length;
      if (docs.length >= 5000) await flush();
    }
    await flush();
    await client.close();
  }
  const cpu = process.cpuUsage();
  // CPU time too: on a shared machine the wall time says more about the load than the work.
  process.stdout.write(`${JSON.stringify({ lines, uses, cpuS: (cpu.user + cpu.system) / 1e6 })}\n`);
}

/**
 * Fills the store with the synthetic inventory in a child process, so that the child's
 * memory is not counted in the process a bench measures. Resolves with what was written.
 */
export async function populateInChild(
  url: string,
  size: InventorySize,
  now: number,
): Promise<{ lines: number; uses: number; cpuS: number; ms: number }> {
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
    ...(JSON.parse(out.trim()) as { lines: number; uses: number; cpuS: number }),
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
