/**
 * The purge robots with KEYWARDEN_ARCHIVE_DIR set, in a real controller: an old job is
 * archived before internal-purge-jobs deletes it; with the archive directory full (a 1 MiB
 * tmpfs the test mounts) the purge fails with ARCHIVE_FAILED and deletes nothing; and
 * internal-warehouse-conciliation raises a critical alert for a damaged archive and
 * resolves it once the file is whole again.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import type { ConciliationReportRecord } from '../../../controller/store/archive-store';
import { startTestController, type TestController } from '../../helpers/test-controller';

const run = promisify(execFile);
const DAY = 86_400_000;

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

describe('purge robots archive first (embedded store, archive directory on a 1 MiB tmpfs)', () => {
  const archiveDir = mkdtempSync(path.join(tmpdir(), 'kw-archive-dir-'));
  const filler = path.join(archiveDir, 'filler');
  let mounted = false;
  let ctl: TestController;
  let offset = 0;

  const job = async (id: string) => await ctl.api<JobRecord>('GET', `/api/v1/jobs/${id}`);
  /**
   * A run of the robot that starts now (one already going is waited out first), once it
   * completed, or (`orError`) once an attempt failed.
   */
  const runRobot = async (type: string, orError = false): Promise<JobRecord> => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params: {} },
    });
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
    const ended = await waitFor(`${type} to end`, async () => {
      const j = (await job(res.body.job.id)).body;
      if (orError && j.error) return j;
      return ['completed', 'failed'].includes(j.state) ? j : null;
    });
    return res.status === 201 || ended.error ? ended : runRobot(type, orError);
  };
  const archiveFiles = () =>
    (readdirSync(archiveDir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.jsonl.gz'))
      .sort();
  const alerts = async () =>
    (
      await ctl.api<{ items: AlertRecord[] }>(
        'GET',
        '/api/v1/alerts?type=archive-conciliation&limit=100',
      )
    ).body.items;

  beforeAll(async () => {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', archiveDir]);
    mounted = true;
    ctl = await startTestController({
      env: { KEYWARDEN_ARCHIVE_DIR: archiveDir },
      clock: () => Date.now() + offset,
    });
  });
  afterAll(async () => {
    await ctl?.stop();
    if (mounted) await run('umount', [archiveDir]);
    rmSync(archiveDir, { recursive: true, force: true });
  });

  it('deletes nothing while the archive cannot be written, then archives and deletes', async () => {
    const queued = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'test-sleep', params: { ms: 0 } },
    });
    const old = queued.body.job.id;
    await waitFor('the job to complete', async () => (await job(old)).body.state === 'completed');
    // Fill the archive file system, then move the clock: the job is past its 60-day
    // retention (every robot, due now, may start a purge of its own: it fails the same way).
    const s = statfsSync(archiveDir);
    writeFileSync(filler, Buffer.alloc(s.bavail * s.bsize, 1));
    offset = 61 * DAY;
    const failed = await runRobot('internal-purge-jobs', true);
    expect(failed.error).toMatchObject({
      code: 'ARCHIVE_FAILED',
      message: expect.stringMatching(/nothing was purged/),
    });
    expect((await job(old)).status).toBe(200); // not deleted
    expect(archiveFiles()).toEqual([]);

    rmSync(filler);
    const ok = await runRobot('internal-purge-jobs');
    expect(ok.state).toBe('completed');
    expect(ok.result).toMatchObject({ purgedOld: expect.any(Number) as number });
    expect((await job(old)).status).toBe(404);
    const lines = archiveFiles().flatMap((f) =>
      gunzipSync(readFileSync(path.join(archiveDir, f)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; id: string; record: { type: string } }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'jobs',
        id: old,
        record: expect.objectContaining({ type: 'test-sleep' }),
      }),
    );
    const batches = await ctl.api<{
      items: Array<{ kind: string; state: string; deleted: number }>;
    }>('GET', '/api/v1/archive/batches');
    expect(batches.body.items.length).toBeGreaterThan(0);
    expect(batches.body.items.every((b) => b.state === 'purged')).toBe(true);
  });

  it('conciliation reports a damaged archive with a critical alert and resolves it once whole', async () => {
    const clean = await runRobot('internal-warehouse-conciliation');
    expect(clean.state).toBe('completed');
    expect(clean.result).toMatchObject({ differences: 0 });
    expect((await alerts()).filter((a) => a.state === 'open')).toEqual([]);

    const [file] = archiveFiles();
    if (!file) throw new Error('no archive file');
    const abs = path.join(archiveDir, file);
    const whole = readFileSync(abs);
    writeFileSync(abs, whole.subarray(0, whole.length - 10)); // truncated
    const damaged = await runRobot('internal-warehouse-conciliation');
    expect(damaged.state, JSON.stringify(damaged.result)).toBe('completed');
    expect(damaged.result).toMatchObject({ differences: 1, raised: 1 });
    const open = (await alerts()).filter((a) => a.state === 'open');
    expect(open).toEqual([
      expect.objectContaining({
        severity: 'critical',
        subject: `archive:${file}`,
        message: expect.stringContaining('SHA-256') as string,
        context: { extra: expect.objectContaining({ problem: 'checksum-mismatch', file }) },
      }),
    ]);
    const reports = await ctl.api<{ items: ConciliationReportRecord[] }>(
      'GET',
      '/api/v1/archive/conciliation-reports',
    );
    expect(reports.body.items[0]?.differences).toEqual([
      expect.objectContaining({ problem: 'checksum-mismatch', file }),
    ]);

    writeFileSync(abs, whole);
    await runRobot('internal-warehouse-conciliation');
    expect((await alerts()).find((a) => a.id === open[0]?.id)).toMatchObject({
      state: 'resolved',
      stateReason: 'cause gone',
    });
  });
});
