/**
 * bench:fleet: N simulated agents (real grpc-js clients, each with its own key and client
 * certificate, in several processes: bench/fleet-simulator.ts) hold mutual-TLS streams to
 * one controller. It counts connections until every agent is in (bounded only by an
 * overall safety bound, FLEET_SAFETY_MS, which stops the run and reports what was reached),
 * waits for the job each connection queues (handle-agent-host), and reports the
 * controller's CPU per connection (connect phase and those jobs), the capacity that gives
 * (connections per second of one core), the memory each held stream costs (RSS and heap
 * after a full GC, over the baseline before the first connection) and the peak RSS. Then
 * one scan job is queued per agent and timed until every result is stored. With --storm,
 * every stream is then cut at once and the agents come back by their own backoff
 * (exponential, full jitter) while the admin API is called: the time until all are back,
 * the spread of their attempts and the API's latency percentiles during the storm.
 * Certificates are made once and cached (bench/fleet-certs.ts). Prints one JSON line.
 *
 * FLEET_AGENTS (10000), FLEET_PROCESSES (simulator processes, 4), FLEET_INFLIGHT
 * (handshakes pending per simulator at the cold start, 32), FLEET_RATE (new connections
 * per second at the cold start, all simulators together, 1000), FLEET_SAFETY_MS (overall
 * bound, 1800000), FLEET_IDLE_MS (streams held idle while their CPU is measured,
 * 20000), FLEET_ROUND (0 skips the scan round), FLEET_CACHE_DIR (certificate
 * cache, TMPDIR/keywarden-bench-fleet), BENCH_CPU_PROFILE (a .cpuprofile of the phase
 * FLEET_PROFILE_PHASE names: connect, the default, idle or storm), BENCH_HEAP_SNAPSHOT (a
 * .heapsnapshot once every agent is in).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { generateSecret } from '../controller/auth/tokens';
import { loadConfig } from '../controller/config/load-config';
import { startController } from '../controller/start-controller';
import { profiled } from './cpu-profile';
import { agentId, ensureFleetCertificates, fleetCacheDir } from './fleet-certs';
import { quantile, registerSimulatedAgents, startFleet } from './fleet-harness';

const env = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const progress = (o: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ progress: 'fleet', ...o })}\n`);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const cpuMsOf = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** RSS and heap after full collections, once the allocator has settled. */
async function settledMemory(): Promise<{
  rss: number;
  heap: number;
  heapTotal: number;
  external: number;
}> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(200);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

async function main(): Promise<void> {
  const n = env('FLEET_AGENTS', 10_000);
  const procs = env('FLEET_PROCESSES', 4);
  const inflight = env('FLEET_INFLIGHT', 32);
  const rate = env('FLEET_RATE', 1000);
  const storm = process.argv.includes('--storm');
  const deadline = Date.now() + env('FLEET_SAFETY_MS', 1_800_000);
  let stoppedBySafetyBound: string | null = null;
  /** Waits for `done`; past the overall safety bound, records which phase it stopped. */
  const until = async (
    phase: string,
    done: () => boolean | Promise<boolean>,
    tick?: () => void,
  ) => {
    while (!(await done())) {
      if (Date.now() > deadline) {
        stoppedBySafetyBound ??= phase;
        return false;
      }
      tick?.();
      await sleep(250);
    }
    return true;
  };
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
  const adminToken = generateSecret();
  const config = loadConfig({
    KEYWARDEN_DATA_DIR: dir,
    KEYWARDEN_CA_DIR: certs.caDir,
    KEYWARDEN_HTTP_ADDR: '127.0.0.1:0',
    KEYWARDEN_GRPC_ADDR: `127.0.0.1:${gw}`,
    KEYWARDEN_ENROLL_ADDR: '127.0.0.1:0',
    KEYWARDEN_ADMIN_TOKEN: adminToken,
    KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true',
    KEYWARDEN_WORKER_CONCURRENCY: process.env.FLEET_CONCURRENCY ?? '2000',
    KEYWARDEN_CLAIM_BATCH: '500',
    KEYWARDEN_POLL_INTERVAL: '1s',
    KEYWARDEN_LOG_LEVEL: 'error',
  });
  const ctl = await startController(config, pino({ level: 'error' }));
  const { store, queue } = ctl.services;
  const setupStart = Date.now();
  await registerSimulatedAgents(store, n, cacheDir);
  const setupMs = Date.now() - setupStart;
  const baseline = await settledMemory();

  const fleet = startFleet({
    cacheDir,
    target: `127.0.0.1:${gw}`,
    hostRoot,
    agents: n,
    processes: procs,
    inflight,
    rate,
    onExit: (p, code) => {
      if (code !== null) progress({ simulatorExited: p, code });
    },
  });
  const eld = monitorEventLoopDelay({ resolution: 20 });
  eld.enable();
  let lastLog = Date.now();
  const report = () => {
    if (Date.now() - lastLog < 5000) return;
    lastLog = Date.now();
    progress({
      connected: fleet.sum('connected'),
      failures: fleet.sum('failures'),
      loopDelayP99Ms: Math.round(eld.percentile(99) / 1e6),
      rssMb: mb(process.memoryUsage().rss),
    });
    eld.reset();
  };
  const handled = async () =>
    (await store.jobs.countByTypeAndState()).find(
      (c) => c.type === 'handle-agent-host' && c.state === 'completed',
    )?.count ?? 0;

  // Connect phase: until every agent is in, then until the job of each connection ran.
  const connectStart = Date.now();
  const cpu0 = process.cpuUsage();
  const profilePhase = process.env.FLEET_PROFILE_PHASE ?? 'connect';
  const connectPhase = () => until('connect', () => fleet.sum('connected') >= n, report);
  const allIn = await (profilePhase === 'connect'
    ? profiled('fleet connect', connectPhase)
    : connectPhase());
  const reconnects = fleet.sum('failures');
  const connectMs = Date.now() - connectStart;
  const connected = fleet.sum('connected');
  const connectCpu = process.cpuUsage(cpu0);
  const simulatorCpuMs = fleet.sum('cpuMs');
  await until('handle-agent-host', async () => (await handled()) >= connected, report);
  const cpu = process.cpuUsage(cpu0);
  const welcomes = fleet.take('welcomeMs').sort((a, b) => a - b);
  const held = await settledMemory();
  if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT);
  // Held streams, nothing to do: what keeping them costs (keepalive pings, delivery polls).
  const idleMs = env('FLEET_IDLE_MS', 20_000);
  const idle0 = process.cpuUsage();
  await (profilePhase === 'idle' ? profiled('fleet idle', () => sleep(idleMs)) : sleep(idleMs));
  const idleCpuMs = cpuMsOf(process.cpuUsage(idle0));
  const perConnection = (ms: number) => +(ms / Math.max(connected, 1)).toFixed(2);
  const controllerCpuMsPerConnection = perConnection(cpuMsOf(cpu));

  // Scan round: one job per agent, until every result is stored.
  let round: Record<string, unknown> | null = null;
  if (env('FLEET_ROUND', 1) !== 0) {
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
    await until('round', async () => {
      const counts = await store.jobs.countByTypeAndState();
      const count = (state: string) =>
        counts.find((c) => c.type === 'test-host-operation' && c.state === state)?.count ?? 0;
      completed = count('completed');
      failed = count('failed');
      return completed + failed >= n;
    });
    round = {
      jobs: n,
      completed,
      failed,
      resultsStored: await store.agentFleet.results.count(),
      roundMs: Date.now() - t0,
    };
  }

  let stormResult: Record<string, unknown> | null = null;
  if (storm)
    stormResult = await (profilePhase === 'storm' ? profiled('fleet storm', runStorm) : runStorm());

  async function runStorm(): Promise<Record<string, unknown>> {
    const before = fleet.sum('connected');
    fleet.take('stormAttemptMs');
    fleet.take('stormBackMs');
    const api = probeApi(ctl.httpUrl, adminToken, n);
    const handledBefore = await handled();
    const c0 = process.cpuUsage();
    const t0 = Date.now();
    fleet.drop();
    const attempts: number[] = [];
    const back: number[] = [];
    const allBack = await until(
      'storm',
      () => {
        attempts.push(...fleet.take('stormAttemptMs'));
        back.push(...fleet.take('stormBackMs'));
        return back.length >= before && fleet.sum('connected') >= before;
      },
      report,
    );
    const stormMs = Date.now() - t0;
    await until(
      'storm handle-agent-host',
      async () => (await handled()) >= handledBefore + back.length,
    );
    const stormCpu = process.cpuUsage(c0);
    const calls = await api.stop();
    attempts.sort((a, b) => a - b);
    back.sort((a, b) => a - b);
    const lat = calls
      .filter((c) => c.ok)
      .map((c) => c.ms)
      .sort((a, b) => a - b);
    const r1 = (x: number | null) => (x === null ? null : +x.toFixed(1));
    return {
      dropped: before,
      back: back.length,
      allBack,
      allBackMs: stormMs,
      firstAttemptMs: {
        p10: quantile(attempts, 0.1),
        p50: quantile(attempts, 0.5),
        p90: quantile(attempts, 0.9),
        max: attempts.at(-1) ?? null,
      },
      backMs: {
        p10: quantile(back, 0.1),
        p50: quantile(back, 0.5),
        p90: quantile(back, 0.9),
        max: back.at(-1) ?? null,
      },
      failedAttempts: fleet.sum('failures') - before,
      controllerCpuMsPerReconnect: +(cpuMsOf(stormCpu) / Math.max(back.length, 1)).toFixed(2),
      apiCalls: calls.length,
      apiFailures: calls.filter((c) => !c.ok).length,
      apiMs: {
        p50: r1(quantile(lat, 0.5)),
        p99: r1(quantile(lat, 0.99)),
        max: r1(lat.at(-1) ?? null),
      },
    };
  }

  const m = process.memoryUsage();
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
      allConnected: allIn,
      stoppedBySafetyBound,
      connectMs,
      connectionsPerS: Math.round((connected / connectMs) * 1000),
      controllerCpuMsPerConnection,
      controllerCpuMsPerConnectionConnectPhase: perConnection(cpuMsOf(connectCpu)),
      controllerSystemCpuShare: +(cpu.system / Math.max(cpu.user + cpu.system, 1)).toFixed(2),
      capacityConnectionsPerS: Math.round(1000 / Math.max(controllerCpuMsPerConnection, 0.001)),
      simulatorCpuMsPerConnection: perConnection(simulatorCpuMs),
      welcomeMsP50: quantile(welcomes, 0.5),
      welcomeMsP99: quantile(welcomes, 0.99),
      reconnects,
      memoryPerStreamKb: Math.round((held.rss - baseline.rss) / 1024 / Math.max(connected, 1)),
      heapPerStreamKb: Math.round((held.heap - baseline.heap) / 1024 / Math.max(connected, 1)),
      heapCommittedPerStreamKb: Math.round(
        (held.heapTotal - baseline.heapTotal) / 1024 / Math.max(connected, 1),
      ),
      externalPerStreamKb: Math.round(
        (held.external - baseline.external) / 1024 / Math.max(connected, 1),
      ),
      idleCpuPercentPer1000Streams: +(
        ((100 * idleCpuMs) / Math.max(idleMs, 1)) *
        (1000 / Math.max(connected, 1))
      ).toFixed(2),
      rssBaselineMb: mb(baseline.rss),
      rssHeldMb: mb(held.rss),
      ...(round ?? {}),
      ...(stormResult ? { storm: stormResult } : {}),
      controllerPeakRssMb: mb(process.resourceUsage().maxRSS * 1024),
      controllerHeapMb: mb(m.heapUsed),
      store: store.kind,
      loadavg: loadavg().map((x) => +x.toFixed(1)),
    })}\n`,
  );
  fleet.stop();
  await ctl.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

/**
 * Calls the admin API in a closed loop (a host page, then one agent's record) until
 * stopped; each call's latency and whether it answered 200.
 */
function probeApi(url: string, token: string, n: number) {
  const calls: Array<{ ok: boolean; ms: number }> = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const p = i % 2 === 0 ? '/api/v1/hosts?limit=50' : `/api/v1/agents/${agentId(i % n)}`;
      const t = performance.now();
      try {
        const res = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        calls.push({ ok: res.status === 200, ms: performance.now() - t });
      } catch {
        calls.push({ ok: false, ms: performance.now() - t });
      }
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return calls;
    },
  };
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
