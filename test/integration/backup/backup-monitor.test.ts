/**
 * internal-backup-monitor on a real controller: a "backup" alert is raised when the newest
 * backup is stale or no longer matches its checksums, and resolved by the next good one.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import { startTestController, type TestController } from '../../helpers/test-controller';

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

describe('internal-backup-monitor', () => {
  const backupDir = mkdtempSync(path.join(tmpdir(), 'kw-backups-'));
  let t = Date.now();
  let ctl: TestController;

  /** A run that starts now: a robot run already going (200) is waited out first. */
  const run = async (type: string): Promise<JobRecord> => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params: {} },
    });
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
    const ended = await waitFor(`${type} to end`, async () => {
      const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${res.body.job.id}`)).body;
      return ['completed', 'failed'].includes(j.state) ? j : null;
    });
    return res.status === 201 ? ended : run(type);
  };
  const backupAlerts = async () =>
    (await ctl.api<{ items: AlertRecord[] }>('GET', '/api/v1/alerts?type=backup&limit=100')).body
      .items;
  const open = async () => (await backupAlerts()).filter((a) => a.state === 'open');
  const newestBackup = () =>
    path.join(
      backupDir,
      readdirSync(backupDir)
        .filter((n) => n.startsWith('keywarden-backup-'))
        .sort()
        .at(-1) as string,
    );

  beforeAll(async () => {
    ctl = await startTestController({
      clock: () => t,
      env: { KEYWARDEN_BACKUP_DIR: backupDir, KEYWARDEN_BACKUP_MAX_AGE: '1h' },
    });
    // The robots run once at start; the clock stands still, so they wait for the test after.
    await waitFor('the first robot runs to end', async () => {
      const busy = await ctl.api<{ items: JobRecord[] }>(
        'GET',
        '/api/v1/jobs?type=backup-export&state=queued,running',
      );
      const busy2 = await ctl.api<{ items: JobRecord[] }>(
        'GET',
        '/api/v1/jobs?type=internal-backup-monitor&state=queued,running',
      );
      return busy.body.items.length + busy2.body.items.length === 0;
    });
  });
  afterAll(async () => {
    await ctl?.stop();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it('raises a stale alert past the maximum age, and resolves it after a fresh backup', async () => {
    expect((await run('backup-export')).state).toBe('completed');
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([]);

    t += 2 * 3_600_000;
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    const [stale, ...more] = await open();
    expect(more).toEqual([]);
    expect(stale).toMatchObject({
      severity: 'warning',
      dedupeKey: 'backup:stale',
      message: expect.stringMatching(/is 2 h old, more than 1 h/),
      context: { extra: { backupDir, backup: newestBackup() } },
    });

    expect((await run('backup-export')).state).toBe('completed');
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([]);
    expect((await backupAlerts()).find((a) => a.id === stale?.id)).toMatchObject({
      state: 'resolved',
      stateReason: 'cause gone',
    });
  });

  it('raises a critical alert when the newest backup no longer matches its checksum', async () => {
    const gz = path.join(newestBackup(), 'keywarden.db.gz');
    const bytes = readFileSync(gz);
    const mid = bytes.length >> 1;
    bytes[mid] = (bytes[mid] ?? 0) ^ 0xff;
    writeFileSync(gz, bytes);
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    const [broken, ...more] = await open();
    expect(more).toEqual([]);
    expect(broken).toMatchObject({
      severity: 'critical',
      dedupeKey: 'backup:broken',
      message: expect.stringContaining('keywarden.db.gz: SHA-256'),
    });

    t += 1000; // a distinct backup name
    expect((await run('backup-export')).state).toBe('completed');
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([]);
  });

  it('raises a missing alert when backupDir holds no backup', async () => {
    for (const n of readdirSync(backupDir)) rmSync(path.join(backupDir, n), { recursive: true });
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([
      expect.objectContaining({ dedupeKey: 'backup:missing', severity: 'critical' }),
    ]);
  });
});
