/**
 * Backup Export and restore end to end, as docs/operations.md tells an operator: a
 * controller manages a real sshd host (a sealed management key), scans it (inventory) and
 * runs jobs; a store backup is taken while jobs are running and being queued, and a
 * secrets backup is encrypted to an admin's age key; the data directory is lost (master
 * key and CA with it); `keywarden restore` and `keywarden restore-secrets` rebuild it; a
 * new controller on it finds the jobs, host, inventory and credential, still reaches the
 * host with the restored management key, and finishes the jobs that were running.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentlessRuntimeOf } from '../../../controller/agentless/start-agentless-driver';
import { runCli } from '../../../controller/cli/main';
import type { HostRecord } from '../../../controller/store/host-records';
import type { JobRecord } from '../../../controller/store/records';
import { SshSession } from '../../../shared/session/ssh-session';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
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

const execFileP = promisify(execFile);
const ENDED = ['completed', 'failed', 'cancelled', 'expired'];

describe('backup-export under load, keywarden restore, a new controller on the restored store', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'kw-backup-'));
  const backupDir = path.join(work, 'backups');
  const restoredDir = path.join(work, 'restored');
  let fleet: SshdFleet;
  let h: FleetHost;
  let ctl: TestController;
  let restored: TestController | undefined;
  let hostId = '';

  const jobEnded = (c: TestController, id: string) =>
    waitFor(`job ${id}`, async () => {
      const j = (await c.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body;
      return ENDED.includes(j.state) ? j : null;
    });
  const runJob = async (c: TestController, type: string, params: Record<string, unknown>) => {
    const res = await c.api<{ job: JobRecord }>('POST', '/api/v1/jobs', { body: { type, params } });
    expect(res.status, JSON.stringify(res.body)).toBe(201); // not a robot run already going
    return jobEnded(c, res.body.job.id);
  };
  // The management account's keys: the file the test reads on the host to compare.
  const authorizedKeys = async (c: TestController) =>
    (
      await c.api<{ items: Array<{ fingerprint: string }> }>(
        'GET',
        `/api/v1/hosts/${hostId}/authorized-keys?account=${h.sshd.user('mgmt').name}&limit=100`,
      )
    ).body.items
      .map((i) => i.fingerprint)
      .sort();

  beforeAll(async () => {
    fleet = await startSshdFleet({ count: 1 });
    h = fleet.hosts[0] as FleetHost;
    const admin = await generateIdentity();
    writeFileSync(path.join(work, 'admin-age.key'), `${admin}\n`, { mode: 0o600 });
    // No KEYWARDEN_MASTER_KEY: the master key is DATA_DIR/master.key, lost with the directory.
    ctl = await startTestController({
      env: {
        KEYWARDEN_BACKUP_DIR: backupDir,
        KEYWARDEN_SECRETS_BACKUP_RECIPIENTS: await identityToRecipient(admin),
      },
    });
    const added = await ctl.api<{ host: HostRecord }>('POST', '/api/v1/hosts', {
      body: {
        address: h.address,
        port: h.port,
        managementAccount: h.account,
        password: h.password,
        hostKeyFingerprint: h.sshd.hostKeyFingerprint,
      },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    hostId = added.body.host.id;
    await waitFor('the host to be monitored', async () => {
      const s = (await ctl.api<HostRecord>('GET', `/api/v1/hosts/${hostId}`)).body.state;
      return s === 'monitored';
    });
    const manage = await ctl.api<{ jobId: string }>('POST', `/api/v1/hosts/${hostId}/manage`);
    expect(manage.status).toBe(202);
    expect(await jobEnded(ctl, manage.body.jobId)).toMatchObject({ state: 'completed' });
  }, 180_000);

  afterAll(async () => {
    await restored?.stop();
    await ctl?.stop();
    await fleet?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('restores every job, the host, its inventory and its management key, which still logs in', async () => {
    const scan = await runJob(ctl, 'scan-authorized-keys', { hostId });
    expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
    const keysBefore = await authorizedKeys(ctl);
    expect(keysBefore.length).toBeGreaterThan(0); // the management key at least
    const vault = agentlessRuntimeOf(ctl.services.store)?.vault;
    const mgmt = await vault?.open(hostId, 'management');
    expect(mgmt?.fingerprint).toMatch(/^SHA256:/);

    // Jobs running through the backup: they are in it as running, and the restored
    // controller reclaims and finishes them.
    const longJobs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
        body: { type: 'test-sleep', params: { ms: 30_000 } },
      });
      longJobs.push(r.body.job.id);
    }
    await waitFor('the long jobs to run', async () => {
      for (const id of longJobs)
        if ((await ctl.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body.state !== 'running')
          return false;
      return true;
    });
    // Load: jobs queued from 8 clients at once, before, during and after the backup.
    const queued: string[] = [];
    let loading = true;
    const client = async () => {
      while (loading) {
        const r = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
          body: { type: 'test-sleep', params: { ms: 0 } },
        });
        expect(r.status).toBe(201);
        queued.push(r.body.job.id);
      }
    };
    const load = Array.from({ length: 8 }, () => client());
    let beforeBackup: string[];
    let backup: JobRecord;
    let duringBackup: number;
    try {
      await waitFor('jobs to be queued under load', async () => queued.length >= 50);
      beforeBackup = [...queued];
      backup = await runJob(ctl, 'backup-export', {});
      duringBackup = queued.length - beforeBackup.length;
    } finally {
      loading = false; // also when the backup fails: no client outlives the controller
      await Promise.allSettled(load);
    }
    await Promise.all(load);
    expect(backup.state, JSON.stringify(backup.error)).toBe('completed');
    expect(duringBackup, 'jobs were queued while the backup ran').toBeGreaterThan(0);
    for (const id of longJobs)
      expect((await ctl.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body.state).toBe('running');
    const secrets = await runJob(ctl, 'secrets-backup', {});
    expect(secrets.state, JSON.stringify(secrets.error)).toBe('completed');
    const secretsFile = (secrets.result as { backup: string }).backup;
    // The robot also ran once at start: restore the backup this job wrote.
    const backupPath = (backup.result as { backup: string }).backup;
    expect(readdirSync(backupDir)).toContain(path.basename(backupPath));

    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['restore', path.join(backupPath, 'manifest.json'), '--data-dir', restoredDir],
      {},
      (s) => out.push(s),
      (s) => err.push(s),
    );
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('master key id');

    const lostDir = ctl.services.config.dataDir;
    await ctl.stop(); // removes the data directory: master.key, ca/ and the store are gone
    expect(existsSync(lostDir)).toBe(false);
    const opened = await runCli(
      [
        'restore-secrets',
        secretsFile,
        '--identity',
        path.join(work, 'admin-age.key'),
        '--data-dir',
        restoredDir,
      ],
      {},
      (s) => out.push(s),
      (s) => err.push(s),
    );
    expect(err.join('\n')).toBe('');
    expect(opened).toBe(0);
    expect(readdirSync(restoredDir)).toContain('master.key');

    restored = await startTestController({ env: { KEYWARDEN_DATA_DIR: restoredDir } });
    const r = restored;
    // The old admin token is in the restored store too.
    const host = await r.api<HostRecord>('GET', `/api/v1/hosts/${hostId}`, {
      token: ctl.adminToken,
    });
    expect(host.status).toBe(200);
    expect(host.body).toMatchObject({ id: hostId, state: 'managed', address: h.address });
    for (const id of [...beforeBackup, scan.id, backup.id]) {
      const j = await r.api<JobRecord>('GET', `/api/v1/jobs/${id}`);
      expect(j.status, `job ${id}`).toBe(200);
    }
    expect(await authorizedKeys(r)).toEqual(keysBefore);

    const restoredVault = agentlessRuntimeOf(r.services.store)?.vault;
    const cred = await restoredVault?.open(hostId, 'management');
    expect(cred?.fingerprint).toBe(mgmt?.fingerprint);
    const s = await SshSession.connect({
      host: h.address,
      port: h.port,
      username: h.account,
      privateKey: cred?.secret ?? '',
      hostKeyFingerprint: h.sshd.hostKeyFingerprint,
    });
    try {
      expect((await s.exec('true', [])).code).toBe(0);
    } finally {
      await s.close();
    }
    // Host jobs the backup caught queued or running (the management-key work the old
    // controller started) run again here and may change the file: let them end first, so
    // the rescan and the file read below see the same file.
    await waitFor(
      'the restored host jobs to end',
      async () =>
        (
          await r.api<{ items: JobRecord[] }>(
            'GET',
            `/api/v1/jobs?host=${hostId}&state=queued,running&limit=10`,
          )
        ).body.items.length === 0,
      180_000,
    );
    const rescan = await runJob(r, 'scan-authorized-keys', { hostId });
    expect(rescan.state, JSON.stringify(rescan.error)).toBe('completed');
    // What the rescan finds is what is on the host now, the management key among it. (Not
    // keysBefore: the old controller may have finished its management-key work on the host
    // after the backup, under load, which dropped a key there.)
    const { stdout } = await execFileP('ssh-keygen', [
      '-l',
      '-E',
      'sha256',
      '-f',
      `${h.sshd.user('mgmt').home}/.ssh/authorized_keys`,
    ]);
    const onHost = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[1])
      .sort();
    expect(await authorizedKeys(r)).toEqual(onHost);
    expect(onHost).toContain(cred?.fingerprint);

    // The jobs running at backup time: their worker is gone, so the watchdog reclaims them
    // once their lease has run out, and they run again here (test-sleep may retry).
    await waitFor(
      'the jobs running at backup time to finish on the restored controller',
      async () => {
        await r.api('POST', '/api/v1/jobs', {
          body: { type: 'internal-process-manager', params: {} },
        });
        for (const id of longJobs)
          if ((await r.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body.state !== 'completed')
            return false;
        return true;
      },
      180_000,
    );
  }, 480_000);
});
