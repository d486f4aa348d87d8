/**
 * Trust on an agentless host, through the API of a real controller and a real sshd with a
 * sudo-capable management account: a monitored host is only read (edits are refused, scans
 * run), and an sshd config that passes sshd -t but shuts the management account out is
 * rolled back after the login check with the management key.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentlessRuntimeOf } from '../../../controller/agentless/start-agentless-driver';
import type { HostRecord } from '../../../controller/store/host-records';
import type { JobRecord } from '../../../controller/store/records';
import { SshSession } from '../../../shared/session/ssh-session';
import { generateClientKey } from '../../helpers/sshd';
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

describe('an agentless host: read-only until managed, config deploys checked by a fresh login', () => {
  let fleet: SshdFleet;
  let ctl: TestController;
  let h: FleetHost;
  let hostId = '';

  const jobEnded = (id: string) =>
    waitFor(`job ${id}`, async () => {
      const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body;
      return ['completed', 'failed', 'cancelled', 'expired'].includes(j.state) ? j : null;
    });
  const runJob = async (type: string, params: Record<string, unknown>) => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params: { hostId, ...params } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return jobEnded(res.body.job.id);
  };
  /** Switches the host to managed as an admin would (`keywarden hosts manage ID`). */
  const manage = async () => {
    const res = await ctl.api<{ jobId: string }>('POST', `/api/v1/hosts/${hostId}/manage`);
    expect(res.status).toBe(202);
    expect(await jobEnded(res.body.jobId)).toMatchObject({ state: 'completed' });
    expect(await state()).toBe('managed');
  };
  const state = async () =>
    (await ctl.api<HostRecord>('GET', `/api/v1/hosts/${hostId}`)).body.state;
  const reloads = async () =>
    (await readFile(h.sshd.logPath, 'utf8')).split('\n').filter((l) => /Received SIGHUP/.test(l))
      .length;
  /** A real login with the management key, as Keywarden's next job would make it. */
  const managementLogin = async () => {
    const cred = await agentlessRuntimeOf(ctl.services.store)?.vault.open(hostId, 'management');
    if (!cred) throw new Error('no management key');
    const s = await SshSession.connect({
      host: h.address,
      port: h.port,
      username: h.account,
      privateKey: cred.secret,
      hostKeyFingerprint: h.sshd.hostKeyFingerprint,
    });
    try {
      return (await s.exec('true', [])).code;
    } finally {
      await s.close();
    }
  };

  const reloadOf = (host: FleetHost) => ['sh', '-c', `kill -HUP "$(cat '${host.sshd.pidPath}')"`];

  beforeAll(async () => {
    fleet = await startSshdFleet({ count: 1 });
    h = fleet.hosts[0] as FleetHost;
    // This sshd's config file and reload are not the system's: an admin allows them.
    ctl = await startTestController({
      env: {
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([h.sshd.configPath]),
        KEYWARDEN_ALLOWED_RELOAD_COMMANDS: JSON.stringify([reloadOf(h)]),
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
    await waitFor('the host to be monitored', async () => (await state()) === 'monitored');
  }, 120_000);

  afterAll(async () => {
    await ctl?.stop();
    await fleet?.stop();
  });

  it('refuses key and config edits on a monitored host, runs its scans, and edits once it is managed', async () => {
    const key = await generateClientKey(h.sshd.dir, 'extra');
    const keysBefore = await h.authorizedKeys();
    const configBefore = await readFile(h.sshd.configPath, 'utf8');
    const add = { account: h.account, publicKey: key.publicKey };

    const refused = await runJob('add-authorized-key', add);
    expect(refused).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: {
        code: 'HOST_NOT_MANAGED',
        message: expect.stringContaining(`is monitored`),
      },
    });
    expect(refused.error?.message).toContain(`keywarden hosts manage ${hostId}`);
    const deploy = await runJob('conf-deploy-host', {
      path: h.sshd.configPath,
      content: `MaxAuthTries 5\n${configBefore}`,
    });
    expect(deploy).toMatchObject({ state: 'failed', error: { code: 'HOST_NOT_MANAGED' } });
    expect(await h.authorizedKeys()).toBe(keysBefore);
    expect(await readFile(h.sshd.configPath, 'utf8')).toBe(configBefore);

    const scan = await runJob('scan-authorized-keys', { sshdConfigPath: h.sshd.configPath });
    expect(scan.state, JSON.stringify(scan.error)).toBe('completed');

    await manage();
    const added = await runJob('add-authorized-key', add);
    expect(added.state, JSON.stringify(added.error)).toBe('completed');
    expect(await h.authorizedKeys()).toContain(key.publicKey);
  }, 120_000);

  it('rolls back a config that passes sshd -t but denies the management account, after the login check with the management key', async () => {
    await manage();
    const before = await readFile(h.sshd.configPath, 'utf8');
    const reloadsBefore = await reloads();
    const job = await runJob('conf-deploy-host', {
      path: h.sshd.configPath,
      content: `DenyUsers ${h.account}\n${before}`,
      reloadCommand: reloadOf(h),
    });
    expect(job).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: {
        code: 'DEPLOY_ROLLED_BACK',
        message: expect.stringMatching(
          new RegExp(
            `login check after the reload failed.*previous file was put back.*${h.account}.*login works again`,
            's',
          ),
        ),
      },
    });
    expect(await readFile(h.sshd.configPath, 'utf8')).toBe(before);
    // Reloaded with the new file (which refused the login), then with the previous one.
    expect(await reloads()).toBe(reloadsBefore + 2);
    expect(await readFile(h.sshd.logPath, 'utf8')).toMatch(
      new RegExp(`User ${h.account} from .* not allowed because listed in DenyUsers`),
    );
    expect(await managementLogin()).toBe(0);
    // The host is as it was: reachable, managed, and no credential alert (a job refused
    // while the new config was live raised one; the login proven after the rollback
    // resolved it).
    expect(await state()).toBe('managed');
    const alerts = await ctl.api<{ items: Array<{ type: string; subject: string }> }>(
      'GET',
      '/api/v1/alerts?state=open&limit=50',
    );
    expect(alerts.body.items.filter((a) => a.subject === hostId)).toEqual([]);
  }, 120_000);
});
