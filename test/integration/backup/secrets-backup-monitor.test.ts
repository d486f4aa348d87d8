/**
 * internal-backup-monitor on secrets backups (when secretsBackupRecipients is set): a
 * "backup" alert when the newest secrets backup is missing, fails its checksum file or is
 * stale, resolved by the next good one. The controller cannot open the file, so it checks
 * what it can without an identity: the age header, the size and the SHA-256.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import { startTestController, type TestController } from '../../helpers/test-controller';

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>) {
  const until = Date.now() + 180_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('internal-backup-monitor on secrets backups', () => {
  const backupDir = mkdtempSync(path.join(tmpdir(), 'kw-secrets-monitor-'));
  let t = Date.now();
  let ctl: TestController;

  const run = async (type: string): Promise<JobRecord> => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params: {} },
    });
    const ended = await waitFor(`${type} to end`, async () => {
      const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${res.body.job.id}`)).body;
      return ['completed', 'failed'].includes(j.state) ? j : null;
    });
    return res.status === 201 ? ended : run(type);
  };
  const open = async () =>
    (
      await ctl.api<{ items: AlertRecord[] }>('GET', '/api/v1/alerts?type=backup&limit=100')
    ).body.items.filter((a) => a.state === 'open');
  const secretsFiles = () =>
    readdirSync(backupDir)
      .filter((n) => n.startsWith('keywarden-secrets-'))
      .map((n) => path.join(backupDir, n));

  beforeAll(async () => {
    ctl = await startTestController({
      clock: () => t,
      env: {
        KEYWARDEN_BACKUP_DIR: backupDir,
        KEYWARDEN_BACKUP_MAX_AGE: '1h',
        KEYWARDEN_SECRETS_BACKUP_RECIPIENTS: await identityToRecipient(await generateIdentity()),
      },
    });
    await waitFor('the robots run at start to end', async () => {
      for (const type of ['backup-export', 'secrets-backup', 'internal-backup-monitor']) {
        const runs = (await ctl.api<{ items: JobRecord[] }>('GET', `/api/v1/jobs?type=${type}`))
          .body.items;
        if (runs.length === 0 || runs.some((j) => !['completed', 'failed'].includes(j.state)))
          return false;
      }
      return true;
    });
  }, 240_000);
  afterAll(async () => {
    await ctl?.stop();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it('raises missing, then broken, then stale, and resolves each with a good backup', async () => {
    for (const f of secretsFiles()) rmSync(f);
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([
      expect.objectContaining({ dedupeKey: 'backup:secrets-missing', severity: 'critical' }),
    ]);

    expect((await run('secrets-backup')).state).toBe('completed');
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([]);

    const [file] = secretsFiles().filter((f) => f.endsWith('.age'));
    const bytes = readFileSync(file as string);
    const at = bytes.length - 10;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(file as string, bytes);
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([
      expect.objectContaining({
        dedupeKey: 'backup:secrets-broken',
        severity: 'critical',
        message: expect.stringContaining('does not match its checksum file'),
      }),
    ]);

    t += 1000; // a distinct name
    expect((await run('secrets-backup')).state).toBe('completed');
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([]);

    t += 2 * 3_600_000;
    expect((await run('backup-export')).state).toBe('completed'); // the store backup is fresh
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([
      expect.objectContaining({
        dedupeKey: 'backup:secrets-stale',
        severity: 'warning',
        message: expect.stringMatching(/secrets backup is 2 h old, more than 1 h/),
      }),
    ]);
    expect((await run('secrets-backup')).state).toBe('completed');
    expect((await run('internal-backup-monitor')).state).toBe('completed');
    expect(await open()).toEqual([]);
  }, 300_000);
});
