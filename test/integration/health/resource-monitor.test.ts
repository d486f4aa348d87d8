/**
 * internal-resource-monitor on a real controller in this process: a CPU alert after the
 * process kept a core busy, a memory alert while it holds a large buffer; both resolve.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import { startTestController, type TestController } from '../../helpers/test-controller';

const MiB = 1024 * 1024;

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 60_000,
) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A full collection, so that a dropped buffer's memory goes back to the system. */
function collectGarbage() {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('internal-resource-monitor', () => {
  let ctl: TestController;
  const rssLimit = process.memoryUsage().rss + 256 * MiB;

  /** A run that starts now: a robot run already going (200) is waited out first. */
  const monitor = async (): Promise<JobRecord> => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'internal-resource-monitor', params: {} },
    });
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
    const ended = await waitFor('the monitor to end', async () => {
      const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${res.body.job.id}`)).body;
      return ['completed', 'failed'].includes(j.state) ? j : null;
    });
    return res.status === 201 ? ended : monitor();
  };
  const open = async () =>
    (
      await ctl.api<{ items: AlertRecord[] }>('GET', '/api/v1/alerts?type=resource&limit=100')
    ).body.items
      .filter((a) => a.state === 'open')
      .map((a) => a.dedupeKey);

  beforeAll(async () => {
    ctl = await startTestController({
      env: {
        KEYWARDEN_PROCESS_MAX_CPU_PERCENT: '25',
        KEYWARDEN_PROCESS_MAX_RSS_BYTES: String(rssLimit),
      },
    });
  });
  afterAll(async () => ctl?.stop());

  it('raises a CPU alert after the process kept a core busy, resolved after a quiet spell', async () => {
    await monitor();
    // Two seconds of CPU time (not wall time: other processes share the cores) in this
    // process, which the controller is part of.
    const start = process.cpuUsage();
    let spins = 0;
    for (;;) {
      spins++;
      const d = process.cpuUsage(start);
      if (d.user + d.system >= 2_000_000) break;
    }
    expect(spins).toBeGreaterThan(0);
    await monitor();
    expect(await open()).toEqual([`resource:cpu:${process.pid}`]);
    const metrics = (await ctl.api<string>('GET', '/metrics')).body;
    expect(metrics).toMatch(/^keywarden_process_usage\{measure="cpu_seconds_total"\} [\d.]+$/m);

    await new Promise((r) => setTimeout(r, 5000));
    await monitor();
    expect(await open()).toEqual([]);
  });

  it('raises a memory alert while resident memory is above the limit, resolved when it is freed', async () => {
    const held: { big?: Buffer } = { big: Buffer.alloc(384 * MiB, 1) };
    await monitor();
    // Filling the buffer may raise the CPU alert too: only the memory alert is asserted.
    expect(await open()).toContain(`resource:memory:${process.pid}`);
    const metrics = (await ctl.api<string>('GET', '/metrics')).body;
    const rss = Number(
      /^keywarden_process_usage\{measure="resident_memory_bytes"\} (\d+)$/m.exec(metrics)?.[1],
    );
    expect(rss).toBeGreaterThan(rssLimit);
    expect(held.big?.length).toBe(384 * MiB);

    delete held.big;
    collectGarbage();
    await waitFor('the memory to be returned', async () => process.memoryUsage().rss < rssLimit);
    await monitor();
    expect(await open()).not.toContain(`resource:memory:${process.pid}`);
  });
});
