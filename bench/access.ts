/**
 * bench:access — the access graph at fleet size. A synthetic inventory (default 10,000
 * hosts x 20 accounts, 200,000 keys, 2,000,000 authorized-key lines; BENCH_ACCESS_HOSTS
 * scales it) is written straight into the store by a child process (populate-inventory.ts); then a real
 * controller runs graph-analysis (time, peak RSS of the controller process) and answers
 * "who can log in to host H" and "where can key K go" through its HTTP API (p50/p99).
 * BENCH_ACCESS_STORE=mongodb uses the MongoDB test server (FerretDB) instead
 * (BENCH_ACCESS_ROSTERS=0 leaves out the host rosters, as a store written before them).
 * Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { decodeGraph } from '../controller/access/graph/graph-codec';
import { generateSecret } from '../controller/auth/tokens';
import { loadConfig } from '../controller/config/load-config';
import { startController } from '../controller/start-controller';
import { startFerretDb } from '../test/helpers/ferretdb';
import { fingerprintOf, hostIdOf, mulberry32, type InventorySize } from './access-inventory';
import { GROUP_ID, groupHosts, populateInChild } from './populate-inventory';

const size: InventorySize = {
  hosts: Number(process.env.BENCH_ACCESS_HOSTS ?? 10_000),
  accountsPerHost: 20,
  keys: Number(process.env.BENCH_ACCESS_HOSTS ?? 10_000) * 20,
  linesPerAccount: 10,
};
const GROUP_HOSTS = groupHosts(size);
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

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-access-'));
  const mongo = process.env.BENCH_ACCESS_STORE === 'mongodb' ? await startFerretDb() : null;
  const url = mongo ? mongo.url : `sqlite:${path.join(dir, 'keywarden.db')}`;
  try {
    say(`populating ${url.split(':')[0]}`);
    const populated = await populateInChild(url, size, NOW);
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
