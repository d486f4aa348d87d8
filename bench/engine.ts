/**
 * bench:engine — no-op jobs through enqueue, claim, run and complete, on each store.
 * Prints one JSON line per store:
 *  - throughput: N jobs queued in batches while one engine drains them (jobs/s);
 *  - latency: jobs queued one at a time at an offered rate; delay from enqueue to the
 *    start of run(), p50/p99 (ms).
 * MongoDB runs when KEYWARDEN_BENCH_MONGODB_URL is set, or against FerretDB started here.
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

const N = Number(process.env.BENCH_JOBS ?? 20_000);
// FerretDB (the test server here) spends 10-30 ms on each single-document update, so the
// MongoDB run is smaller and its latency phase is offered a rate that server can sustain.
const MONGO_N = Number(process.env.BENCH_MONGO_JOBS ?? 500);
const MONGO_RATE = Number(process.env.BENCH_MONGO_RATE ?? 20);
const SQLITE_RATE = Number(process.env.BENCH_RATE ?? 1000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);

const started = new Map<string, number>();
let finished = 0;
const benchNoop = defineJob({
  type: 'bench-noop',
  describe: 'benchmark no-op',
  params: Type.Object({ t: Type.Number() }),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  async run(params) {
    started.set(String(params.t), performance.now() - params.t);
    finished++;
    return null;
  },
});

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN).toFixed(2));
};

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function measure(
  store: Store,
  label: string,
  extra: Record<string, unknown>,
  jobs: number,
  rate: number,
  workers: { concurrency: number; claimBatch: number },
): Promise<void> {
  const N = jobs;
  const RATE = rate;
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
  await engine.start();
  const opts = { createdBy: 'bench', trigger: 'admin' as const };

  // Throughput: a producer queues batches of 500 while the engine drains.
  finished = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) {
    const batch = Array.from({ length: Math.min(500, N - i) }, () => ({
      type: 'bench-noop',
      params: { t: performance.now() },
      opts,
    }));
    await queue.enqueueMany(batch);
  }
  await waitUntil(() => finished >= N, 600_000);
  const seconds = (performance.now() - t0) / 1000;

  // Latency: an open-loop producer queues jobs one by one at the offered rate, as
  // independent API calls or events would, without waiting for earlier ones.
  started.clear();
  finished = 0;
  const total = RATE * LATENCY_SECONDS;
  const t1 = performance.now();
  const inflight: Array<Promise<unknown>> = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t1) * RATE) / 1000));
    for (; sent < due; sent++)
      inflight.push(queue.enqueue('bench-noop', { t: performance.now() }, opts));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  await waitUntil(() => finished >= total, 120_000);
  const achieved = total / ((performance.now() - t1) / 1000);
  const delays = [...started.values()];
  await engine.stop(1000);
  console.log(
    JSON.stringify({
      bench: 'engine',
      store: label,
      ...extra,
      ...workers,
      jobs: N,
      jobsPerSecond: Math.round(N / seconds),
      latency: {
        offeredPerSecond: RATE,
        achievedPerSecond: Math.round(achieved),
        jobs: delays.length,
        p50Ms: pct(delays, 50),
        p99Ms: pct(delays, 99),
        maxMs: pct(delays, 100),
      },
    }),
  );
}

async function main(): Promise<void> {
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-'));
    const store = openSqliteStore(path.join(dir, 'bench.db'), { synchronous });
    await measure(store, 'sqlite', { synchronous }, N, SQLITE_RATE, {
      concurrency: 256,
      claimBatch: 256,
    });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
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
