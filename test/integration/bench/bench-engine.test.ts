/**
 * bench:engine compares Keywarden's engine with BullMQ on a redis-server it starts
 * itself, and still reports Keywarden's figures when redis-server is not installed.
 * A small run: the figures themselves are not asserted, only that each is measured.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

async function bench(env: Record<string, string>) {
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'bench/engine.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        BENCH_JOBS: '600',
        BENCH_RATE: '200',
        BENCH_LATENCY_SECONDS: '1',
        BENCH_MONGODB: '0',
        ...env,
      },
      timeout: 120_000,
    },
  );
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, stderr };
}

describe('bench:engine', () => {
  it('runs BullMQ on its own redis-server beside the engine and prints the ratio', async () => {
    const { lines } = await bench({ BENCH_BULLMQ_CONCURRENCY: '100' });
    const bull = lines.find((l) => l.queue === 'bullmq');
    expect(bull).toMatchObject({ concurrency: 100, jobs: 600 });
    for (const k of ['drainJobsPerSecond', 'jobsPerSecond', 'drainCpuUsPerJob', 'cpuUsPerJob'])
      expect(bull?.[k], k).toBeGreaterThan(0);
    expect(bull?.latency).toMatchObject({ offeredPerSecond: 200, jobs: 200 });
    const cmp = lines.find((l) => l.bench === 'engine-vs-bullmq');
    expect(cmp).toBeDefined();
    for (const k of [
      'drainKeywardenFull',
      'drainBullmq',
      'drainRatioFull',
      'keywardenFull',
      'keywardenNormal',
      'bullmq',
      'ratioFull',
      'ratioNormal',
      'cpuUsPerJobKeywardenFull',
      'cpuUsPerJobBullmq',
    ])
      expect(cmp?.[k], k).toBeGreaterThan(0);
    expect(cmp?.ratioFull).toBeCloseTo((cmp?.keywardenFull as number) / (cmp?.bullmq as number), 1);
    for (const k of ['p99MsKeywardenFull', 'p99MsKeywardenNormal', 'p99MsBullmq'])
      expect(cmp?.[k], k).toBeGreaterThan(0);
  }, 180_000);

  it('without redis-server, prints the engine figures and says BullMQ was skipped', async () => {
    const { lines, stderr } = await bench({
      KEYWARDEN_BENCH_REDIS_SERVER: '/nonexistent/redis-server',
    });
    expect(lines.map((l) => [l.store, l.synchronous])).toEqual([
      ['sqlite', 'FULL'],
      ['sqlite', 'NORMAL'],
    ]);
    expect(stderr).toMatch(
      /bullmq: skipped: .*redis-server is not installed.*apt-get install redis-server/,
    );
  }, 180_000);
});
