/**
 * internal-disk-space-monitor and the free-space gauge on a real, small file system: the
 * test mounts a tmpfs as the controller's data directory, fills it, and frees it again.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import { startTestController, type TestController } from '../../helpers/test-controller';

const run = promisify(execFile);
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

describe('internal-disk-space-monitor on a 64 MiB tmpfs data directory', () => {
  const mountPoint = mkdtempSync(path.join(tmpdir(), 'kw-small-disk-'));
  const dataDir = path.join(mountPoint, 'data');
  const filler = path.join(dataDir, 'filler');
  let mounted = false;
  let ctl: TestController;

  /** A run that starts now: a robot run already going (200) is waited out first. */
  const monitor = async (): Promise<JobRecord> => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'internal-disk-space-monitor', params: {} },
    });
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
    const ended = await waitFor('the monitor to end', async () => {
      const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${res.body.job.id}`)).body;
      return ['completed', 'failed'].includes(j.state) ? j : null;
    });
    return res.status === 201 ? ended : monitor();
  };
  const alerts = async () =>
    (await ctl.api<{ items: AlertRecord[] }>('GET', '/api/v1/alerts?type=disk-space&limit=100'))
      .body.items;
  const freeGauge = async () => {
    const text = (await ctl.api<string>('GET', '/metrics')).body;
    const m = /^keywarden_disk_free_bytes\{dir="data"\} (\d+)$/m.exec(text);
    if (!m) throw new Error(`no keywarden_disk_free_bytes{dir="data"} in /metrics`);
    return Number(m[1]);
  };

  beforeAll(async () => {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mountPoint]);
    mounted = true;
    mkdirSync(dataDir);
    ctl = await startTestController({
      env: { KEYWARDEN_DATA_DIR: dataDir, KEYWARDEN_DISK_FREE_MIN_BYTES: String(16 * MiB) },
    });
  });
  afterAll(async () => {
    await ctl?.stop();
    if (mounted) await run('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('raises an alert while free space is below the minimum and resolves it when space is back', async () => {
    expect((await monitor()).state).toBe('completed');
    expect((await alerts()).filter((a) => a.state === 'open')).toEqual([]);
    expect(await freeGauge()).toBeGreaterThan(16 * MiB);

    // Leave about 8 MiB free.
    const s = statfsSync(dataDir);
    const fill = s.bavail * s.bsize - 8 * MiB;
    const chunk = Buffer.alloc(MiB, 1);
    writeFileSync(filler, '');
    for (let done = 0; done < fill; done += MiB)
      writeFileSync(filler, chunk.subarray(0, Math.min(MiB, fill - done)), { flag: 'a' });

    const low = await freeGauge();
    expect(low).toBeLessThan(16 * MiB);
    expect((await monitor()).state).toBe('completed');
    const open = (await alerts()).filter((a) => a.state === 'open');
    expect(open).toEqual([
      expect.objectContaining({
        type: 'disk-space',
        severity: 'warning',
        subject: 'data-dir',
        message: expect.stringMatching(/^data directory .* MiB free, less than 16\.0 MiB$/),
        context: { extra: expect.objectContaining({ path: dataDir, minBytes: 16 * MiB }) },
      }),
    ]);

    rmSync(filler);
    expect(await freeGauge()).toBeGreaterThan(16 * MiB);
    expect((await monitor()).state).toBe('completed');
    expect((await alerts()).find((a) => a.id === open[0]?.id)).toMatchObject({
      state: 'resolved',
      stateReason: 'cause gone',
    });
  });
});
