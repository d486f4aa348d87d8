/**
 * Backup Export to a remote directory over SFTP, against a real sshd's SFTP subsystem:
 * the login key sealed with the master key (`keywarden seal-backup-key`), the host key
 * pinned, each backup uploaded whole under its name and verifiable there, old remote
 * backups pruned, and a target presenting another host key refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SFTPWrapper } from 'ssh2';
import { sha256OfFile, verifyBackup } from '../../../controller/backup/backup-manifest';
import { mkdirs, uploadBackup } from '../../../controller/backup/sftp-target';
import { runCli } from '../../../controller/cli/main';
import type { JobRecord } from '../../../controller/store/records';
import { errorCode } from '../../../shared/errors';
import { connectSsh } from '../../../shared/session/ssh-connect';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { startTestController, type TestController } from '../../helpers/test-controller';

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>) {
  const until = Date.now() + 120_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('backup-export and secrets-backup to an SFTP target', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'kw-sftp-backup-'));
  const masterKey = randomBytes(32).toString('base64');
  let sshd: TestSshd;
  let ctl: TestController;
  let remoteDir = '';
  let privateKey = '';
  let url = '';

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
  const remoteBackups = (prefix: string) =>
    readdirSync(remoteDir)
      .filter((n) => n.startsWith(prefix))
      .sort();

  beforeAll(async () => {
    const key = await generateClientKey(work, 'backup-target');
    privateKey = readFileSync(key.path, 'utf8');
    sshd = await startTestSshd({
      users: [{ name: 'backups', authorizedKeys: `${key.publicKey}\n` }],
    });
    const user = sshd.user('backups');
    remoteDir = path.join(user.home, 'keywarden', 'backups');
    url = `sftp://${user.name}@127.0.0.1:${sshd.port}${remoteDir}`;

    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['seal-backup-key', key.path],
      { KEYWARDEN_MASTER_KEY: masterKey, KEYWARDEN_DATA_DIR: path.join(work, 'seal') },
      (s) => out.push(s),
      (s) => err.push(s),
    );
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const sealed = out.join('').trim();
    expect(sealed).toMatch(/^kw1:[0-9a-f]{12}:/);
    expect(sealed).not.toContain('PRIVATE KEY');

    const identity = await generateIdentity();
    ctl = await startTestController({
      env: {
        KEYWARDEN_MASTER_KEY: masterKey,
        KEYWARDEN_BACKUP_DIR: path.join(work, 'local'),
        KEYWARDEN_BACKUP_KEEP: '2',
        KEYWARDEN_BACKUP_SFTP: url,
        KEYWARDEN_BACKUP_SFTP_HOST_KEY: sshd.hostKeyFingerprint,
        KEYWARDEN_BACKUP_SFTP_KEY: sealed,
        KEYWARDEN_SECRETS_BACKUP_RECIPIENTS: await identityToRecipient(identity),
      },
    });
  }, 120_000);
  afterAll(async () => {
    await ctl?.stop();
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('uploads each store backup whole, verifiable on the target, and keeps the newest two there', async () => {
    const first = await run('backup-export');
    expect(first.state, JSON.stringify(first.error)).toBe('completed');
    const local = (first.result as { backup: string }).backup;
    expect(first.result).toMatchObject({
      uploaded: `${url}/${path.basename(local)}`,
    });
    const remote = path.join(remoteDir, path.basename(local));
    const { manifest } = await verifyBackup(remote);
    for (const f of manifest.files) {
      expect(await sha256OfFile(path.join(remote, f.name))).toBe(f.sha256);
      expect(statSync(path.join(remote, f.name)).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(remote).sort()).toEqual(readdirSync(local).sort());
    expect(readdirSync(remoteDir).filter((n) => n.startsWith('.partial-'))).toEqual([]);

    await run('backup-export');
    const third = await run('backup-export');
    expect(third.state, JSON.stringify(third.error)).toBe('completed');
    const kept = remoteBackups('keywarden-backup-');
    expect(kept).toHaveLength(2);
    expect(kept.at(-1)).toBe(path.basename((third.result as { backup: string }).backup));
    expect(kept).not.toContain(path.basename(local));
  }, 300_000);

  it('uploads the secrets backup too', async () => {
    const job = await run('secrets-backup');
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    const file = (job.result as { backup: string }).backup;
    // The robot's run at start uploaded one too: this run's is the newest.
    const uploaded = remoteBackups('keywarden-secrets-').at(-1);
    expect(uploaded).toBe(path.basename(file));
    expect(readFileSync(path.join(remoteDir, uploaded as string))).toEqual(readFileSync(file));
  }, 300_000);

  it('makes a missing directory from two sessions at once, as the store and secrets backups do at start', async () => {
    const user = sshd.user('backups');
    const connect = async () => {
      const client = await connectSsh({
        host: '127.0.0.1',
        port: sshd.port,
        username: user.name,
        privateKey,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
      });
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((err, s) => (err ? reject(err) : resolve(s))),
      );
      return { client, sftp };
    };
    const sessions = await Promise.all([connect(), connect(), connect(), connect()]);
    try {
      for (let round = 0; round < 5; round++) {
        const dir = path.join(user.home, `together-${round}`, 'nested');
        // Both ask "does it exist?" before either makes it: all but one mkdir find it made.
        const results = await Promise.allSettled(sessions.map((x) => mkdirs(x.sftp, dir)));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        expect(statSync(dir).isDirectory()).toBe(true);
      }
    } finally {
      for (const x of sessions) x.client.end();
    }
  }, 300_000);

  it('refuses a target that presents another host key, and uploads nothing', async () => {
    const before = readdirSync(remoteDir).sort();
    const user = sshd.user('backups');
    const err = await uploadBackup(
      {
        target: { host: '127.0.0.1', port: sshd.port, username: user.name, dir: remoteDir },
        hostKeyFingerprint: `SHA256:${'A'.repeat(43)}`,
        privateKey,
      },
      path.join(work, 'local'),
      'keywarden-backup-',
      2,
    ).catch((e: unknown) => e);
    expect(errorCode(err)).toBe('BACKUP_TARGET_FAILED');
    expect((err as Error).message).toContain(`host key of 127.0.0.1 is ${sshd.hostKeyFingerprint}`);
    expect(readdirSync(remoteDir).sort()).toEqual(before);
  }, 300_000);
});
