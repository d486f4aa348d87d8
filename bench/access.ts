/**
 * bench:access — the access graph at fleet size. A synthetic inventory (default 10,000
 * hosts x 20 accounts, 200,000 keys, 2,000,000 authorized-key lines; BENCH_ACCESS_HOSTS
 * scales it) is written straight into a SQLite store by a child process; then a real
 * controller runs graph-analysis (time, peak RSS of the controller process) and answers
 * "who can log in to host H" and "where can key K go" through its HTTP API (p50/p99).
 * BENCH_ACCESS_STORE=mongodb uses the MongoDB test server (FerretDB) instead
 * (BENCH_ACCESS_ROSTERS=0 leaves out the host rosters, as a store written before them).
 * Prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { decodeGraph } from '../controller/access/graph/graph-codec';
import { generateSecret } from '../controller/auth/tokens';
import { loadConfig } from '../controller/config/load-config';
import { startController } from '../controller/start-controller';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import { openMongoStore } from '../controller/store/mongodb/open-mongo-store';
import { NO_OVERRIDES, type NewHost } from '../controller/store/host-records';
import type { Store } from '../controller/store/store';
import { buildRegistry } from '../controller/jobs/registry';
import { startFerretDb } from '../test/helpers/ferretdb';
import {
  fingerprintOf,
  hostIdOf,
  mulberry32,
  syntheticHosts,
  type InventorySize,
} from './access-inventory';

const size: InventorySize = {
  hosts: Number(process.env.BENCH_ACCESS_HOSTS ?? 10_000),
  accountsPerHost: 20,
  keys: Number(process.env.BENCH_ACCESS_HOSTS ?? 10_000) * 20,
  linesPerAccount: 10,
};
const QUERIES = Number(process.env.BENCH_ACCESS_QUERIES ?? 500);
/** who-could-log-in reads the inventory itself (by _id lookups of the host's roster on MongoDB). */
const PAST_QUERIES = Number(process.env.BENCH_ACCESS_PAST_QUERIES ?? QUERIES);
const GRANT_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bench';
const say = (what: string) => process.stderr.write(`bench:access: ${what}\n`);
const NOW = Date.UTC(2026, 10, 1);

const round = (x: number) => Math.round(x * 10) / 10;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

/** The fleet's hosts as the hosts table holds them; the first GROUP_HOSTS are in one group. */
const GROUP_ID = 'bench-group';
const GROUP_HOSTS = Math.min(1000, size.hosts);
function benchHosts(): NewHost[] {
  return Array.from({ length: size.hosts }, (_, h) => ({
    id: hostIdOf(h),
    name: `bench-host-${h}`,
    address: `10.${(h >> 16) & 255}.${(h >> 8) & 255}.${h & 255}`,
    port: 22,
    // Agent hosts without an agent: the grant's children wait for it, touching no network.
    kind: 'agent' as const,
    state: 'managed' as const,
    groupId: h < GROUP_HOSTS ? GROUP_ID : null,
    hostKeyFingerprint: null,
    managementAccount: null,
    agentId: null,
    os: null,
    sshProduct: null,
    lastSeenAt: null,
  }));
}

async function addHosts(store: Store): Promise<void> {
  // The hosts are there for the group grant: the scheduler must not queue their scans
  // (10,000 scan-full jobs would compete with what is measured). A stored robot keeps its
  // settings when the controller starts.
  const scheduler = buildRegistry({ testJobTypes: false })['internal-scheduler']?.robot;
  if (!scheduler) throw new Error('internal-scheduler is not a robot');
  await store.robots.ensure({
    type: 'internal-scheduler',
    instances: scheduler.instances,
    intervalMs: scheduler.intervalMs,
    windowStart: null,
    windowEnd: null,
    enabled: false,
    nextRunAt: null,
    lastStartedAt: null,
    lastJobId: null,
    updatedAt: NOW,
    updatedBy: 'bench',
  });
  await store.hostGroups.create(
    { id: GROUP_ID, name: GROUP_ID, description: '', scanIntervalsMs: NO_OVERRIDES },
    NOW,
  );
  const hosts = benchHosts();
  for (let i = 0; i < hosts.length; i += 1000)
    await store.hosts.createMany(hosts.slice(i, i + 1000), NOW);
}

type HostRows = ReturnType<typeof syntheticHosts> extends Generator<infer T> ? T : never;

/**
 * SQLite, as a bulk load does it: the secondary indexes of the tables written are dropped
 * and built again at the end (one sorted pass each, instead of 2 million random inserts into
 * three fingerprint-ordered B-trees that outgrow the cache), no journal, big transactions.
 * The indexes are rebuilt from their own CREATE statements, so they are the migrations'.
 */
function populateSqlite(file: string): { lines: number; uses: number } {
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
  for (const h of syntheticHosts(size, NOW)) {
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
async function populate(url: string): Promise<void> {
  let lines = 0;
  let uses = 0;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    const store = openSqliteStore(file, { synchronous: 'NORMAL' }); // the schema
    await addHosts(store);
    await store.close();
    ({ lines, uses } = populateSqlite(file));
  } else {
    const store = await openMongoStore(url); // the indexes
    await addHosts(store);
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
    for (const h of syntheticHosts(size, NOW)) {
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

async function populateInChild(
  url: string,
): Promise<{ lines: number; uses: number; cpuS: number; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!], {
    env: { ...process.env, BENCH_ACCESS_POPULATE: url },
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

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-access-'));
  const mongo = process.env.BENCH_ACCESS_STORE === 'mongodb' ? await startFerretDb() : null;
  const url = mongo ? mongo.url : `sqlite:${path.join(dir, 'keywarden.db')}`;
  try {
    say(`populating ${url.split(':')[0]}`);
    const populated = await populateInChild(url);
    say(`populated in ${Math.round(populated.ms / 1000)} s; graph-analysis`);
    const adminToken = generateSecret();
    const config = loadConfig({
      KEYWARDEN_DATA_DIR: dir,
      KEYWARDEN_STORE: url,
      KEYWARDEN_HTTP_ADDR: '127.0.0.1:0',
      KEYWARDEN_ADMIN_TOKEN: adminToken,
    });
    const rssBefore = process.memoryUsage().rss;
    const ctl = await startController(config, pino({ level: 'silent' }));
    const api = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${ctl.httpUrl}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    try {
      let peakRss = process.memoryUsage().rss;
      let peakHeap = process.memoryUsage().heapUsed;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      }, 20);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      // The robot may have started one already: the singleton answer is that job.
      const { job } = await api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
        type: 'graph-analysis',
        params: {},
      });
      let done: {
        state: string;
        startedAt: number;
        finishedAt: number;
        result: Record<string, number>;
      };
      for (;;) {
        done = await api('GET', `/api/v1/jobs/${job.id}`);
        if (['completed', 'failed', 'cancelled', 'expired'].includes(done.state)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      clearInterval(sampler);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (done.state !== 'completed')
        throw new Error(`graph-analysis ${done.state}: ${JSON.stringify(done)}`);

      say(`graph-analysis done in ${Math.round(wallMs / 1000)} s; queries`);
      // A controller that did not build the graph loads the snapshot once.
      const store = ctl.services.store;
      const meta = (await store.accessGraph.latestSnapshot())!;
      const l0 = performance.now();
      await decodeGraph((await store.accessGraph.readSnapshot(meta.id))!);
      const loadMs = performance.now() - l0;

      const rnd = mulberry32(7);
      const time = async (p: string) => {
        const s = performance.now();
        await api('GET', p);
        return performance.now() - s;
      };
      const hostQ: number[] = [];
      const directQ: number[] = [];
      const keyQ: number[] = [];
      const pastQ: number[] = [];
      let reached = 0;
      for (let i = 0; i < QUERIES; i++) {
        const h = encodeURIComponent(hostIdOf(Math.floor(rnd() * size.hosts)));
        const k = encodeURIComponent(fingerprintOf(Math.floor(rnd() * size.keys)));
        hostQ.push(await time(`/api/v1/access/who-can-reach?host=${h}`));
        directQ.push(await time(`/api/v1/access/who-can-reach?host=${h}&maxHops=1`));
        const s = performance.now();
        const kr = await api<{ items: unknown[] }>(
          'GET',
          `/api/v1/access/key-reach?fingerprint=${k}`,
        );
        keyQ.push(performance.now() - s);
        reached += kr.items.length;
        if (i < PAST_QUERIES)
          pastQ.push(
            await time(
              `/api/v1/access/who-could-log-in?host=${h}&account=u03&at=${NOW - 30 * 86_400_000}`,
            ),
          );
      }
      const ms = (xs: number[]) => ({ p50: round(pct(xs, 50)), p99: round(pct(xs, 99)) });

      // Last, as its children then keep the engine busy: a grant to the 1,000-host group,
      // from the API request to every add-authorized-key child queued.
      say(`add-authorizations for a group of ${GROUP_HOSTS} hosts`);
      const g0 = performance.now();
      const granted = await api<{ jobId: string }>('POST', '/api/v1/authorizations', {
        publicKey: GRANT_KEY,
        account: 'deploy',
        groupId: GROUP_ID,
        expiresAt: NOW + 365 * 86_400_000,
      });
      const acceptedMs = performance.now() - g0;
      let children = 0;
      while (children < GROUP_HOSTS) {
        const counts = await store.jobs.countChildren(granted.jobId);
        children = Object.values(counts).reduce((a, b) => a + b, 0);
        if (children >= GROUP_HOSTS) break;
        const parent = await store.jobs.get(granted.jobId);
        if (parent && ['failed', 'cancelled', 'expired'].includes(parent.state))
          throw new Error(`add-authorizations ${parent.state}: ${JSON.stringify(parent.error)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const groupGrantQueuedMs = performance.now() - g0;
      process.stdout.write(
        `${JSON.stringify({
          bench: 'access',
          store: mongo ? 'mongodb (FerretDB)' : 'sqlite',
          hosts: size.hosts,
          accounts: size.hosts * size.accountsPerHost,
          keys: size.keys,
          authorizedKeyLines: populated.lines,
          keyUsageRows: populated.uses,
          populateS: round(populated.ms / 1000),
          populateCpuS: round(populated.cpuS),
          graphAnalysis: {
            jobS: round((done.finishedAt - done.startedAt) / 1000),
            wallS: round(wallMs / 1000),
            cpuS: round((cpu.user + cpu.system) / 1e6),
            phasesMs: {
              readMs: done.result.readMs,
              encodeMs: done.result.encodeMs,
              saveMs: done.result.saveMs,
            },
            peakRssMB: Math.round(peakRss / 1e6),
            rssBeforeMB: Math.round(rssBefore / 1e6),
            peakHeapMB: Math.round(peakHeap / 1e6),
            snapshotMB: round(meta.bytes / 1e6),
            stats: meta.stats,
          },
          snapshotLoadMs: Math.round(loadMs),
          queries: QUERIES,
          whoCanReachMs: ms(hostQ),
          whoCanLogInDirectMs: ms(directQ),
          keyReachMs: ms(keyQ),
          keyReachAvgAccounts: round(reached / QUERIES),
          whoCouldLogInAtMs: ms(pastQ),
          whoCouldLogInQueries: pastQ.length,
          groupGrant: {
            hosts: GROUP_HOSTS,
            acceptedMs: Math.round(acceptedMs),
            allChildrenQueuedMs: Math.round(groupGrantQueuedMs),
          },
          cpus: (await import('node:os')).cpus().length,
          loadavg: (await import('node:os')).loadavg().map(round),
        })}\n`,
      );
    } finally {
      await ctl.stop();
    }
  } finally {
    await mongo?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const target = process.env.BENCH_ACCESS_POPULATE;
(target ? populate(target) : main()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
