/**
 * bench:fleet: N simulated agents (real grpc-js clients, each with its own key and client
 * certificate, in several processes: bench/fleet-simulator.ts) hold mutual-TLS streams to
 * one controller; one scan job is queued per agent; we time until every result is stored
 * and watch the controller's memory and CPU. Certificates are made once and cached
 * (bench/fleet-certs.ts). Prints one JSON line.
 *
 * FLEET_AGENTS (10000), FLEET_PROCESSES (simulator processes, 4), FLEET_INFLIGHT
 * (handshakes pending per simulator, 32), FLEET_RATE (new connections per second, all
 * simulators together, 1000), FLEET_CONNECT_TIMEOUT_MS (120000), FLEET_ROUND_TIMEOUT_MS
 * (90000), FLEET_CACHE_DIR (certificate cache, TMPDIR/keywarden-bench-fleet).
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { loadConfig } from '../controller/config/load-config';
import { startController } from '../controller/start-controller';
import { agentId, ensureFleetCertificates, fleetCacheDir } from './fleet-certs';
import type { SimulatorStats } from './fleet-simulator';

const env = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const progress = (o: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ progress: 'fleet', ...o })}\n`);

async function main(): Promise<void> {
  const n = env('FLEET_AGENTS', 10_000);
  const procs = env('FLEET_PROCESSES', 4);
  const inflight = env('FLEET_INFLIGHT', 32);
  const rate = env('FLEET_RATE', 1000);
  const cacheDir = fleetCacheDir();
  const certs = await ensureFleetCertificates(cacheDir, n, 2);
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-fleet-'));
  const hostRoot = path.join(dir, 'host');
  mkdirSync(path.join(hostRoot, 'etc'), { recursive: true });
  writeFileSync(
    path.join(hostRoot, 'etc/passwd'),
    'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n',
  );
  writeFileSync(path.join(hostRoot, 'etc/group'), 'root:x:0:\nalice:x:1000:\n');
  const gw = await freePort();
  const config = loadConfig({
    KEYWARDEN_DATA_DIR: dir,
    KEYWARDEN_CA_DIR: certs.caDir,
    KEYWARDEN_HTTP_ADDR: '127.0.0.1:0',
    KEYWARDEN_GRPC_ADDR: `127.0.0.1:${gw}`,
    KEYWARDEN_ENROLL_ADDR: '127.0.0.1:0',
    KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true',
    KEYWARDEN_WORKER_CONCURRENCY: process.env.FLEET_CONCURRENCY ?? '2000',
    KEYWARDEN_CLAIM_BATCH: '500',
    KEYWARDEN_POLL_INTERVAL: '1s',
    KEYWARDEN_LOG_LEVEL: 'error',
  });
  const ctl = await startController(config, pino({ level: 'error' }));
  const { store, queue } = ctl.services;
  const settings = {
    mode: 'stream' as const,
    connectIntervalMs: 3_600_000,
    maxConcurrentJobs: 4,
    heartbeatIntervalMs: 600_000,
  };
  const setupStart = Date.now();
  const now = Date.now();
  for (let i = 0; i < n; i += 1000) {
    const ids = Array.from({ length: Math.min(1000, n - i) }, (_, k) => i + k);
    await store.hosts.createMany(
      ids.map((j) => ({
        id: `h${j}`,
        name: `sim-${j}`,
        address: `10.0.${j >> 8}.${j & 255}`,
        port: 22,
        kind: 'agent',
        state: 'discovered',
        hostKeyFingerprint: null,
        managementAccount: null,
        agentId: agentId(j),
        os: null,
        sshProduct: null,
        lastSeenAt: now,
      })),
      now,
    );
    for (const j of ids) {
      await store.agentFleet.agents.create(
        {
          id: agentId(j),
          groupId: null,
          enrollmentTokenId: 'bench',
          settings,
          certificateSerial: '0',
          certificateNotAfter: now + 86_400_000,
          version: 'sim',
          facts: {},
        },
        now,
      );
      await store.agentFleet.agents.bindHost(agentId(j), `h${j}`, now);
    }
  }
  const setupMs = Date.now() - setupStart;
  const stats = new Map<number, SimulatorStats>();
  const welcomeMs: number[] = [];
  const children = Array.from({ length: procs }, (_, p) => {
    const from = Math.floor((n * p) / procs);
    const to = Math.floor((n * (p + 1)) / procs);
    const c = fork(
      path.join(import.meta.dirname, 'fleet-simulator.ts'),
      [
        'simulate',
        cacheDir,
        `127.0.0.1:${gw}`,
        String(from),
        String(to),
        hostRoot,
        String(inflight),
        String(rate / procs),
      ],
      { execArgv: ['--import', 'tsx', '--max-old-space-size=4096'] },
    );
    c.on('exit', (code) => {
      if (code !== null) progress({ simulatorExited: p, code });
    });
    c.on('message', (m: SimulatorStats) => {
      stats.set(p, m);
      welcomeMs.push(...m.welcomeMs);
    });
    return c;
  });
  let peakRss = 0;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  const eld = monitorEventLoopDelay({ resolution: 20 });
  eld.enable();
  const sum = (k: 'connected' | 'answered' | 'failures' | 'cpuMs') =>
    [...stats.values()].reduce((a, s) => a + s[k], 0);
  const connectStart = Date.now();
  const cpu0 = process.cpuUsage();
  let lastLog = 0;
  while (
    sum('connected') < n &&
    Date.now() - connectStart < env('FLEET_CONNECT_TIMEOUT_MS', 120_000)
  ) {
    await sleep(250);
    if (Date.now() - lastLog >= 5000) {
      lastLog = Date.now();
      progress({
        s: Math.round((Date.now() - connectStart) / 1000),
        connected: sum('connected'),
        failures: sum('failures'),
        loopDelayP99Ms: Math.round(eld.percentile(99) / 1e6),
        rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      });
      eld.reset();
    }
  }
  const connectMs = Date.now() - connectStart;
  const cpu = process.cpuUsage(cpu0);
  const connected = sum('connected');
  const simulatorCpuMs = sum('cpuMs');
  const welcomes = welcomeMs.splice(0).sort((a, b) => a - b);
  const pct = (q: number) => welcomes[Math.floor((welcomes.length - 1) * q)] ?? null;
  const t0 = Date.now();
  for (let i = 0; i < n; i += 1000) {
    await queue.enqueueMany(
      Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
        type: 'test-host-operation',
        params: { operation: 'list-accounts' },
        opts: { createdBy: 'bench', trigger: 'admin' as const, hostId: `h${i + k}` },
      })),
    );
  }
  let completed = 0;
  let failed = 0;
  while (Date.now() - t0 < env('FLEET_ROUND_TIMEOUT_MS', 90_000)) {
    const counts = await store.jobs.countByTypeAndState();
    completed =
      counts.find((c) => c.type === 'test-host-operation' && c.state === 'completed')?.count ?? 0;
    failed =
      counts.find((c) => c.type === 'test-host-operation' && c.state === 'failed')?.count ?? 0;
    if (completed + failed >= n) break;
    await sleep(250);
  }
  const roundMs = Date.now() - t0;
  clearInterval(sample);
  const results = await store.agentFleet.results.count();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'fleet',
      agents: n,
      processes: procs,
      inflight,
      rate,
      setupMs,
      certsGenerated: certs.generated,
      connected,
      connectMs,
      connectionsPerS: Math.round((connected / connectMs) * 1000),
      controllerCpuMsPerConnection: +(
        (cpu.user + cpu.system) /
        1000 /
        Math.max(connected, 1)
      ).toFixed(2),
      simulatorCpuMsPerConnection: +(simulatorCpuMs / Math.max(connected, 1)).toFixed(2),
      welcomeMsP50: pct(0.5),
      welcomeMsP99: pct(0.99),
      reconnects: sum('failures'),
      jobs: n,
      completed,
      failed,
      resultsStored: results,
      roundMs,
      controllerPeakRssMb: Math.round(peakRss / 2 ** 20),
      controllerHeapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      store: store.kind,
    })}\n`,
  );
  for (const c of children) c.kill('SIGKILL');
  await ctl.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() =>
        typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no free port')),
      );
    });
  });
}

void main();
