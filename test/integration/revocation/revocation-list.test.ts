/**
 * A blacklisted key is refused by sshd itself, even where Keywarden never saw it: the key
 * here reaches sshd through an AuthorizedKeysCommand (no scan reads its output, no removal
 * edits it), and a real `ssh` login with it is refused once blacklist-keys has written the
 * OpenSSH revocation list on the managed host and made sshd use it. A real controller
 * manages a real sshd host over SSH (agentless, a sudo account).
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whoCanLogInWith } from '../../../controller/inventory/access-queries';
import { revocationStatus } from '../../../controller/revocation/revocation-status';
import type { JobRecord } from '../../../controller/store/records';
import { generateClientKey } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { createTestUser, removeTestUsers, type TestUser } from '../../helpers/sshd-users';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi } from '../authorizations/authorization-fleet';

type ClientKey = Awaited<ReturnType<typeof generateClientKey>>;

describe('revocation list: sshd refuses a blacklisted key wherever it is written', () => {
  let fleet: SshdFleet;
  let ctl: TestController;
  let hostId = '';
  let keyDir = '';
  let bob: TestUser;
  let hidden: ClientKey;
  let second: ClientKey;
  let other: ClientKey;
  const api = fleetApi(() => ctl);
  const h = () => fleet.hosts[0] as FleetHost;
  const sshd = () => h().sshd;
  const krlPath = () => join(sshd().dir, 'keywarden_revoked_keys');
  const reload = () => ['sh', '-c', `kill -HUP "$(cat '${sshd().pidPath}')"`];
  const login = (key: ClientKey) =>
    sshLogin({ host: h().address, port: h().port, user: bob.name, identityFile: key.path });
  /** sshd re-executes itself on SIGHUP: wait until it listens again. */
  const loginSoon = async (key: ClientKey) => {
    let last = await login(key);
    for (let i = 0; i < 40 && last.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 150));
      last = await login(key);
    }
    return last;
  };
  const children = async (parentId: string) =>
    (await ctl.api<{ items: JobRecord[] }>('GET', `/api/v1/jobs?parent=${parentId}`)).body.items;
  const blacklist = async (key: ClientKey) => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: {
        type: 'blacklist-keys',
        params: {
          fingerprint: key.fingerprint,
          reason: 'leaked',
          sshdConfigPath: sshd().configPath,
          revokedKeysPath: krlPath(),
          reloadCommand: reload(),
        },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return api.treeEnded(res.body.job.id);
  };

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-krl-'));
    await chmod(keyDir, 0o755);
    await mkdir(join(keyDir, 'homes'), { mode: 0o755 });
    [hidden, second, other] = await Promise.all([
      generateClientKey(keyDir, 'hidden'),
      generateClientKey(keyDir, 'second'),
      generateClientKey(keyDir, 'other'),
    ]);
    bob = await createTestUser(
      { name: 'bob', authorizedKeys: `${other.publicKey}\n` },
      join(keyDir, 'homes'),
    );
    // Keys sshd gets from a command: no scan reads them, no removal can edit them.
    const hiddenKeys = join(keyDir, 'hidden_keys');
    await writeFile(hiddenKeys, `${hidden.publicKey}\n${second.publicKey}\n`, { mode: 0o644 });
    fleet = await startSshdFleet({
      count: 1,
      settings: () => ({
        AuthorizedKeysCommand: `/usr/bin/cat ${hiddenKeys}`,
        AuthorizedKeysCommandUser: 'nobody',
      }),
    });
    // This sshd's files and reload are not the system's: an admin allows them.
    ctl = await startTestController({
      env: {
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd().configPath, `${sshd().dir}/`]),
        KEYWARDEN_ALLOWED_RELOAD_COMMANDS: JSON.stringify([reload()]),
      },
    });
    await ctl.services.store.hostGroups.setScanDefaults(
      { 'scan-authorized-keys': 0, 'scan-configs': 0, 'scan-host-key-activity': 0, 'scan-full': 0 },
      Date.now(),
    );
    hostId = await api.addManagedHost(h());
  }, 300_000);

  afterAll(async () => {
    await ctl?.stop();
    await fleet?.stop();
    if (bob) await removeTestUsers([bob]);
    await rm(keyDir, { recursive: true, force: true });
  });

  it('blacklists a key no scan found: the KRL is written, RevokedKeys deployed, the login refused; time to revoke measured', async () => {
    expect((await login(hidden)).code).toBe(0);
    const scan = await api.runJob('scan-authorized-keys', hostId, {
      sshdConfigPath: sshd().configPath,
      accounts: [bob.name],
    });
    expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
    // The scans do not see the key: removing lines cannot take it away.
    expect(await whoCanLogInWith(ctl.services.store, hidden.fingerprint)).toEqual([]);
    expect(await readFile(sshd().configPath, 'utf8')).not.toMatch(/RevokedKeys/);

    const parent = await blacklist(hidden);
    expect(parent.state).toBe('completed');
    const kids = await children(parent.id);
    const deploy = kids.find((j) => j.type === 'deploy-revoked-keys');
    expect(deploy, JSON.stringify(kids)).toMatchObject({
      state: 'completed',
      result: { path: krlPath(), configDeployed: true, revokedKeys: 1 },
    });
    // The scans never saw it: no host has a line to remove.
    expect(kids.filter((j) => j.type === 'remove-authorized-key')).toEqual([]);

    // A root-owned file, and the config line naming it first in sshd_config.
    const st = await stat(krlPath());
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o644]);
    expect((await readFile(sshd().configPath, 'utf8')).split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^# Added by Keywarden/),
      `RevokedKeys ${krlPath()}`,
    ]);

    // OpenSSH judges: another key still gets in, the revoked one is refused by the list.
    expect((await loginSoon(other)).code).toBe(0);
    expect((await login(hidden)).code).not.toBe(0);
    await sshd().waitForLog(new RegExp(`${escape(hidden.fingerprint)} revoked by file`));
    expect((await login(second)).code).toBe(0);

    const status = await revocationStatus(ctl.services.store, hidden.fingerprint);
    expect(status).toMatchObject({
      jobId: parent.id,
      requestedAt: parent.createdAt,
      pending: [],
      confirmed: [expect.objectContaining({ hostId })],
    });
    expect(status.timeToRevokeMs).toBeGreaterThan(0);
    expect(status.completedAt).toBe(status.confirmed[0]?.confirmedAt);
    // Shown in the test output: request to last host confirmed, on this loaded machine.
    console.log(`time to revoke (1 host, RevokedKeys deployed): ${status.timeToRevokeMs} ms`);
  }, 120_000);

  it('a second blacklisting only replaces the list: no config change, both keys refused', async () => {
    const config = await readFile(sshd().configPath, 'utf8');
    const parent = await blacklist(second);
    const deploy = (await children(parent.id)).find((j) => j.type === 'deploy-revoked-keys');
    expect(deploy).toMatchObject({
      state: 'completed',
      result: { configDeployed: false, written: true, revokedKeys: 2 },
    });
    expect(await readFile(sshd().configPath, 'utf8')).toBe(config);
    // sshd reads the list at every authentication: no reload needed.
    expect((await login(second)).code).not.toBe(0);
    expect((await login(hidden)).code).not.toBe(0);
    expect((await login(other)).code).toBe(0);
    const status = await revocationStatus(ctl.services.store, second.fingerprint);
    expect(status.pending).toEqual([]);
    expect(status.timeToRevokeMs).toBeGreaterThan(0);
    console.log(`time to revoke (1 host, list replaced): ${status.timeToRevokeMs} ms`);
  }, 120_000);

  it('refuses to blacklist the key Keywarden logs in to a host with, and changes nothing', async () => {
    const creds = await ctl.services.store.hostCredentials.listForHost(hostId);
    const management = creds.find((c) => c.slot === 'management')?.fingerprint;
    expect(management).toMatch(/^SHA256:/);
    const before = await readFile(krlPath());
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: {
        type: 'blacklist-keys',
        params: {
          fingerprint: management,
          reason: 'mistake',
          sshdConfigPath: sshd().configPath,
          revokedKeysPath: krlPath(),
          reloadCommand: reload(),
        },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const job = await api.treeEnded(res.body.job.id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'CONFLICT',
      details: { field: 'fingerprint', hostId },
    });
    expect(job.error?.message).toMatch(/lock Keywarden out.*renew-mgmt-key/);
    // Nothing recorded, nothing written: the list and the host's access are as they were.
    expect(await ctl.services.store.inventory.blacklist.get(management!)).toBeNull();
    expect(await children(job.id)).toEqual([]);
    expect(await readFile(krlPath())).toEqual(before);
    const scan = await api.runJob('scan-authorized-keys', hostId, {
      sshdConfigPath: sshd().configPath,
      accounts: [bob.name],
    });
    expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
  }, 120_000);
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
