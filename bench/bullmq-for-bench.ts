/**
 * BullMQ 5 on a local redis-server, driven by the same no-op workload as Keywarden's
 * engine (noop-workload.ts): Queue.addBulk for drain and throughput, Queue.add at the offered rate
 * for latency, one Worker at the given concurrency. Jobs are kept after they complete
 * (BullMQ's default), as Keywarden keeps its job rows.
 */
import { createRequire } from 'node:module';
import { Queue, Worker } from 'bullmq';
import type { BenchRedis } from './redis-for-bench';
import {
  jobStarted,
  measureDrain,
  measureLatency,
  measureThroughput,
  type LatencyFigures,
} from './noop-workload';

export interface BullmqFigures {
  bench: 'engine';
  queue: 'bullmq';
  bullmq: string;
  redis: string;
  concurrency: number;
  jobs: number;
  drainJobsPerSecond: number | null;
  drainCpuUsPerJob: number | null;
  jobsPerSecond: number | null;
  cpuUsPerJob: number | null;
  redisCpuUsPerJob: number | null;
  latency: LatencyFigures | null;
}

const bullmqVersion = (): string => {
  try {
    return (createRequire(import.meta.url)('bullmq/package.json') as { version: string }).version;
  } catch {
    return '5';
  }
};

export async function measureBullmq(
  redis: BenchRedis,
  o: {
    concurrency: number;
    jobs: number;
    rate: number;
    seconds: number;
    want: (phase: 'drain' | 'throughput' | 'latency') => boolean;
  },
): Promise<BullmqFigures> {
  const connection = { host: redis.host, port: redis.port };
  // A fresh queue name per run: no leftovers from an earlier concurrency.
  const name = `bench-noop-c${o.concurrency}`;
  const queue = new Queue<{ t: number }>(name, { connection });
  const worker = new Worker<{ t: number }>(
    name,
    async (job) => {
      jobStarted(job.data.t);
      return null;
    },
    {
      connection: { ...connection, maxRetriesPerRequest: null },
      concurrency: o.concurrency,
      autorun: false,
    },
  );
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  const q = {
    addBatch: (ts: number[]) => queue.addBulk(ts.map((t) => ({ name: 'noop', data: { t } }))),
    addOne: (t: number) => queue.add('noop', { t }),
    serverCpuUs: () => redis.cpuUs(),
  };
  try {
    let running: Promise<void> | undefined;
    const start = () => void (running ??= worker.run());
    const drain = o.want('drain') ? await measureDrain(q, o.jobs, start) : null;
    start();
    const throughput = o.want('throughput') ? await measureThroughput(q, o.jobs) : null;
    const latency = o.want('latency') ? await measureLatency(q, o.rate, o.seconds) : null;
    return {
      bench: 'engine',
      queue: 'bullmq',
      bullmq: bullmqVersion(),
      redis: redis.version,
      concurrency: o.concurrency,
      jobs: o.jobs,
      drainJobsPerSecond: drain?.jobsPerSecond ?? null,
      drainCpuUsPerJob: drain?.cpuUsPerJob ?? null,
      jobsPerSecond: throughput?.jobsPerSecond ?? null,
      cpuUsPerJob: throughput?.cpuUsPerJob ?? null,
      redisCpuUsPerJob: throughput?.serverCpuUsPerJob ?? null,
      latency,
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
