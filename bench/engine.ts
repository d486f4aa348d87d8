/**
 * bench:engine — no-op jobs through enqueue, claim, run and complete, on each store, and
 * the same workload through BullMQ 5 on a local redis-server for comparison.
 * Prints one JSON line per run (workload: noop-workload.ts):
 *  - drain: N jobs queued in batches, then the workers start and drain them (jobs/s);
 *  - throughput: N jobs queued in batches while the workers drain them (jobs/s);
 *  - latency: jobs queued one at a time at an offered rate; delay from enqueue to the
 *    start of the job's code, p50/p99 (ms);
 * then one `engine-vs-bullmq` line with both figures and their ratio.
 * BullMQ runs when redis-server is installed (KEYWARDEN_BENCH_REDIS_SERVER names another
 * binary). MongoDB runs when KEYWARDEN_BENCH_MONGODB_URL is set, or against FerretDB
 * started here.
 *
 * Selecting parts (for profiling, or a quicker run):
 *  BENCH_SYNCHRONOUS=FULL|NORMAL  one SQLite durability level only
 *  BENCH_PHASE=drain|throughput|latency  one phase only
 *  BENCH_MONGODB=0                skip the MongoDB run (slow on FerretDB)
 *  BENCH_BULLMQ=0                 skip BullMQ
 *  BENCH_BULLMQ_CONCURRENCY=100,256  BullMQ worker concurrencies to run
 *  BENCH_CPU_PROFILE=file.cpuprofile  CPU profile of the engine's drain or throughput
 *    phase (with that BENCH_PHASE and one BENCH_SYNCHRONOUS; summarise: tsx bench/profile-summary.ts file.cpuprofile)
 */
import { Type } from '@sinclair/typebox';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../controller/config/load-config';
import { Engine } from '../controller/engine/engine';
import { defineJob } from '../controller/engine/job-definition';
import { JobQueue } from '../controller/engine/job-queue';
import type { Store } from '../controller/store/store';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import { profiled } from './cpu-profile';
import {
  jobStarted,
  measureDrain,
  measureLatency,
  measureThroughput,
  type LatencyFigures,
} from './noop-workload';

const N = Number(process.env.BENCH_JOBS ?? 20_000);
// FerretDB (the test server here) spends 10-30 ms on each single-document update, so the
// MongoDB run is smaller and its latency phase is offered a rate that server can sustain.
const MONGO_N = Number(process.env.BENCH_MONGO_JOBS ?? 500);
const MONGO_RATE = Number(process.env.BENCH_MONGO_RATE ?? 20);
const SQLITE_RATE = Number(process.env.BENCH_RATE ?? 1000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const PHASE = process.env.BENCH_PHASE ?? 'all';
type Phase = 'drain' | 'throughput' | 'latency';
const want = (p: Phase) => PHASE === 'all' || PHASE === p;
const SYNCHRONOUS = (['FULL', 'NORMAL'] as const).filter(
  (s) => !process.env.BENCH_SYNCHRONOUS || process.env.BENCH_SYNCHRONOUS === s,
);
const off = (v: string | undefined) => v === '0' || v === 'false' || v === 'skip';
const BULLMQ_CONCURRENCY = (process.env.BENCH_BULLMQ_CONCURRENCY ?? '100,256')
  .split(',')
  .map(Number);
// Keywarden's engine runs the SQLite store at this concurrency and claim batch.
const SQLITE_WORKERS = { concurrency: 256, claimBatch: 256 };

if (!['all', 'drain', 'throughput', 'latency'].includes(PHASE))
  throw new Error(`BENCH_PHASE must be drain, throughput or latency, not ${PHASE}`);
if (SYNCHRONOUS.length === 0)
  throw new Error(`BENCH_SYNCHRONOUS must be FULL or NORMAL, not ${process.env.BENCH_SYNCHRONOUS}`);

const benchNoop = defineJob({
  type: 'bench-noop',
  describe: 'benchmark no-op',
  params: Type.Object({ t: Type.Number() }),
  runsOn: 'controller',
  timeoutMs: 60_000,
  async run(params) {
    jobStarted(params.t);
    return null;
  },
});

interface Figures {
  drainJobsPerSecond: number | null;
  drainCpuUsPerJob: number | null;
  jobsPerSecond: number | null;
  cpuUsPerJob: number | null;
  latency: LatencyFigures | null;
}

async function measure(
  store: Store,
  label: string,
  extra: Record<string, unknown>,
  jobs: number,
  rate: number,
  workers: { concurrency: number; claimBatch: number },
): Promise<Figures> {
  const config = loadConfig({ KEYWARDEN_DATA_DIR: tmpdir() });
  const queue = new JobQueue(store, { 'bench-noop': benchNoop });
  const engine = new Engine({
    config,
    store,
    queue,
    log: pino({ level: 'silent' }),
    ...workers,
    leaseMs: 30_000,
    pollIntervalMs: 100,
    heartbeatMs: 10_000,
  });
  const opts = { createdBy: 'bench', trigger: 'admin' as const };
  const q = {
    addBatch: (ts: number[]) =>
      queue.enqueueManyByName(ts.map((t) => ({ type: 'bench-noop', params: { t }, opts }))),
    addOne: (t: number) => queue.enqueueByName('bench-noop', { t }, opts),
  };
  let started: Promise<void> | undefined;
  const start = () => void (started ??= engine.start());
  const drain = want('drain') ? await profiled(label, () => measureDrain(q, jobs, start)) : null;
  start();
  await started;
  const throughput = want('throughput')
    ? await profiled(label, () => measureThroughput(q, jobs))
    : null;
  const latency = want('latency') ? await measureLatency(q, rate, LATENCY_SECONDS) : null;
  await engine.stop(1000);
  const figures: Figures = {
    drainJobsPerSecond: drain?.jobsPerSecond ?? null,
    drainCpuUsPerJob: drain?.cpuUsPerJob ?? null,
    jobsPerSecond: throughput?.jobsPerSecond ?? null,
    cpuUsPerJob: throughput?.cpuUsPerJob ?? null,
    latency,
  };
  console.log(
    JSON.stringify({
      bench: 'engine',
      store: label,
      ...extra,
      ...workers,
      jobs,
      ...figures,
    }),
  );
  return figures;
}

async function runBullmq(): Promise<Map<number, Figures> | null> {
  if (off(process.env.BENCH_BULLMQ)) return null;
  const { startRedisForBench, RedisMissing } = await import('./redis-for-bench');
  const redis = await startRedisForBench().catch((err: unknown) => {
    if (!(err instanceof RedisMissing)) throw err;
    console.error(`bullmq: skipped: ${err.message}`);
    return null;
  });
  if (!redis) return null;
  const { measureBullmq } = await import('./bullmq-for-bench');
  const out = new Map<number, Figures>();
  try {
    for (const concurrency of BULLMQ_CONCURRENCY) {
      const f = await measureBullmq(redis, {
        concurrency,
        jobs: N,
        rate: SQLITE_RATE,
        seconds: LATENCY_SECONDS,
        want,
      });
      console.log(JSON.stringify(f));
      out.set(concurrency, f);
    }
  } finally {
    await redis.stop();
  }
  return out;
}

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a && b ? Number((a / b).toFixed(2)) : null;

async function main(): Promise<void> {
  const keywarden = new Map<string, Figures>();
  for (const synchronous of SYNCHRONOUS) {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-'));
    const store = openSqliteStore(path.join(dir, 'bench.db'), { synchronous });
    keywarden.set(
      synchronous,
      await measure(store, 'sqlite', { synchronous }, N, SQLITE_RATE, SQLITE_WORKERS),
    );
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const bullmq = await runBullmq();
  if (bullmq) {
    // The reference is BullMQ at concurrency 100 (its figure in issue 11), or the first run.
    const ref = bullmq.get(100) ?? [...bullmq.values()][0];
    const full = keywarden.get('FULL');
    const normal = keywarden.get('NORMAL');
    const same = bullmq.get(SQLITE_WORKERS.concurrency);
    console.log(
      JSON.stringify({
        bench: 'engine-vs-bullmq',
        bullmqConcurrency: bullmq.has(100) ? 100 : BULLMQ_CONCURRENCY[0],
        drainKeywardenFull: full?.drainJobsPerSecond ?? null,
        drainKeywardenNormal: normal?.drainJobsPerSecond ?? null,
        drainBullmq: ref?.drainJobsPerSecond ?? null,
        ...(same && same !== ref
          ? { [`drainBullmqConcurrency${SQLITE_WORKERS.concurrency}`]: same.drainJobsPerSecond }
          : {}),
        drainRatioFull: ratio(full?.drainJobsPerSecond, ref?.drainJobsPerSecond),
        drainRatioNormal: ratio(normal?.drainJobsPerSecond, ref?.drainJobsPerSecond),
        keywardenFull: full?.jobsPerSecond ?? null,
        keywardenNormal: normal?.jobsPerSecond ?? null,
        bullmq: ref?.jobsPerSecond ?? null,
        ...(same && same !== ref
          ? { [`bullmqConcurrency${SQLITE_WORKERS.concurrency}`]: same.jobsPerSecond }
          : {}),
        ratioFull: ratio(full?.jobsPerSecond, ref?.jobsPerSecond),
        ratioNormal: ratio(normal?.jobsPerSecond, ref?.jobsPerSecond),
        offeredPerSecond: want('latency') ? SQLITE_RATE : null,
        cpuUsPerJobKeywardenFull: full?.cpuUsPerJob ?? null,
        cpuUsPerJobKeywardenNormal: normal?.cpuUsPerJob ?? null,
        cpuUsPerJobBullmq: ref?.cpuUsPerJob ?? null,
        p99MsKeywardenFull: full?.latency?.p99Ms ?? null,
        p99MsKeywardenNormal: normal?.latency?.p99Ms ?? null,
        p99MsBullmq: ref?.latency?.p99Ms ?? null,
        ...(same && same !== ref
          ? { [`p99MsBullmqConcurrency${SQLITE_WORKERS.concurrency}`]: same.latency?.p99Ms ?? null }
          : {}),
      }),
    );
  }

  if (off(process.env.BENCH_MONGODB)) return;
  const mongo = await import('./mongodb-for-bench')
    .then((m) => m.mongoForBench())
    .catch((err: unknown) => {
      console.error(`mongodb: skipped: ${(err as Error).message}`);
      return null;
    });
  if (mongo) {
    await measure(
      mongo.store,
      'mongodb',
      { server: mongo.server },
      MONGO_N,
      MONGO_RATE,
      // The product defaults: FerretDB stalls on claims of hundreds of jobs at once.
      { concurrency: 16, claimBatch: 64 },
    );
    await mongo.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
