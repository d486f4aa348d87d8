/**
 * The one workload bench:engine drives through every queue it compares (Keywarden's
 * engine on each store, BullMQ on Redis), so the figures differ only by the queue:
 *  - drain: N no-op jobs queued in batches of 500 before any worker runs, then the
 *    workers start; jobs/s from their start to the start of the last job;
 *  - throughput: N no-op jobs queued in batches of 500 by one producer while the workers
 *    drain them; jobs/s from the first batch to the start of the last job;
 *  - latency: an open-loop producer queues jobs one by one at an offered rate, as
 *    independent API calls or events would, without waiting for earlier ones; the delay
 *    from enqueue to the start of the job's code, p50/p99 (ms).
 * Each job carries `t`, the performance.now() of its enqueue; the job's code calls
 * jobStarted(t). Producer and workers share one process, so the clocks agree.
 *
 * Beside jobs/s, the drain and throughput phases report the CPU time spent per job: this
 * process's (all threads) plus the queue server's when it is another process (Redis).
 * On a loaded machine wall-clock rates swing with the other processes' demand, and more
 * for a queue that needs two processes scheduled for each round trip; CPU per job swings
 * much less.
 */

export interface QueueUnderTest {
  addBatch(ts: number[]): Promise<unknown>;
  addOne(t: number): Promise<unknown>;
  /** CPU time (µs, user + system) used so far by a separate queue server process. */
  serverCpuUs?(): Promise<number>;
}

export interface Rate {
  jobsPerSecond: number;
  /** This process's and the queue server's CPU time per job (µs). */
  cpuUsPerJob: number;
  /** The queue server's share of cpuUsPerJob, when it is another process. */
  serverCpuUsPerJob?: number;
}

interface Cpu {
  own: number;
  server: number;
}

async function cpuUs(q: QueueUnderTest): Promise<Cpu> {
  const own = process.cpuUsage();
  return { own: own.user + own.system, server: q.serverCpuUs ? await q.serverCpuUs() : 0 };
}

async function rateSince(q: QueueUnderTest, jobs: number, t0: number, cpu0: Cpu): Promise<Rate> {
  await waitUntil(() => finished >= jobs, 600_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = await cpuUs(q);
  const server = cpu1.server - cpu0.server;
  return {
    jobsPerSecond: Math.round(jobs / seconds),
    cpuUsPerJob: Math.round((cpu1.own - cpu0.own + server) / jobs),
    ...(q.serverCpuUs ? { serverCpuUsPerJob: Math.round(server / jobs) } : {}),
  };
}

const delays: number[] = [];
let finished = 0;

/** Called first thing by the no-op job on every side. */
export function jobStarted(t: number): void {
  delays.push(performance.now() - t);
  finished++;
}

const pct = (sorted: number[], p: number) =>
  Number(
    (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(2),
  );

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `startWorkers` starts the queue's workers, which must not run before it is called. */
export async function measureDrain(
  q: QueueUnderTest,
  jobs: number,
  startWorkers: () => void,
): Promise<Rate> {
  for (let i = 0; i < jobs; i += 500) {
    const now = performance.now();
    await q.addBatch(Array.from({ length: Math.min(500, jobs - i) }, () => now));
  }
  finished = 0;
  delays.length = 0;
  const cpu0 = await cpuUs(q);
  const t0 = performance.now();
  startWorkers();
  return rateSince(q, jobs, t0, cpu0);
}

export async function measureThroughput(q: QueueUnderTest, jobs: number): Promise<Rate> {
  finished = 0;
  delays.length = 0;
  const cpu0 = await cpuUs(q);
  const t0 = performance.now();
  for (let i = 0; i < jobs; i += 500) {
    const now = performance.now();
    await q.addBatch(Array.from({ length: Math.min(500, jobs - i) }, () => now));
  }
  return rateSince(q, jobs, t0, cpu0);
}

export interface LatencyFigures {
  offeredPerSecond: number;
  achievedPerSecond: number;
  jobs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function measureLatency(
  q: QueueUnderTest,
  rate: number,
  seconds: number,
): Promise<LatencyFigures> {
  finished = 0;
  delays.length = 0;
  const total = rate * seconds;
  const t1 = performance.now();
  const inflight: Array<Promise<unknown>> = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t1) * rate) / 1000));
    for (; sent < due; sent++) inflight.push(q.addOne(performance.now()));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  await waitUntil(() => finished >= total, 120_000);
  const achieved = total / ((performance.now() - t1) / 1000);
  const sorted = [...delays].sort((a, b) => a - b);
  return {
    offeredPerSecond: rate,
    achievedPerSecond: Math.round(achieved),
    jobs: sorted.length,
    p50Ms: pct(sorted, 50),
    p99Ms: pct(sorted, 99),
    maxMs: pct(sorted, 100),
  };
}
