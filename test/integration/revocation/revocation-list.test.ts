/**
 * A blacklisted key is refused by sshd itself, even where Keywarden never saw it: the key
 * here reaches sshd through an AuthorizedKeysCommand (no scan reads its output, no removal
 * edits it), and a real `ssh` login with it is refused once blacklist-keys has written the
 * OpenSSH revocation list and made sshd use it. Real sshd, real engine, direct SSH route.
 */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whoCanLogInWith } from '../../../controller/inventory/access-queries';
import type { Connection } from '../../../controller/inventory/host-target';
import { revocationStatus } from '../../../controller/revocation/revocation-status';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';
import { hostIdOf, rootConnection, runJob, type ClientKey } from '../jobs/host-job-harness';

describe('revocation list: sshd refuses a blacklisted key wherever it is written', () => {
  let sshd: TestSshd;
  let eng: TestEngine;
  let connection: Connection;
  let hostId = '';
  let keyDir = '';
  let hidden: ClientKey;
  let second: ClientKey;
  let other: ClientKey;
  let bob = '';
  let krlPath = '';
  const reload = () => ['sh', '-c', `kill -HUP "$(cat '${sshd.pidPath}')"`];
  const login = (key: ClientKey) =>
    sshLogin({ host: sshd.address, port: sshd.port, user: bob, identityFile: key.path });
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
    (await eng.store.jobs.list({ parentId }, { limit: 10 })).items;
  const blacklist = (key: ClientKey) =>
    runJob(
      eng,
      'blacklist-keys',
      {
        fingerprint: key.fingerprint,
        reason: 'leaked',
        targets: [{ connection }],
        sshdConfigPath: sshd.configPath,
        revokedKeysPath: krlPath,
        reloadCommand: reload(),
      },
      60_000,
    );

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-krl-'));
    await chmod(keyDir, 0o755);
    const root = await generateClientKey(keyDir, 'root');
    hidden = await generateClientKey(keyDir, 'hidden');
    second = await generateClientKey(keyDir, 'second');
    other = await generateClientKey(keyDir, 'other');
    // Keys sshd gets from a command: no scan reads them, no removal can edit them.
    const hiddenKeys = join(keyDir, 'hidden_keys');
    await writeFile(hiddenKeys, `${hidden.publicKey}\n${second.publicKey}\n`, { mode: 0o644 });
    sshd = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [{ name: 'bob', authorizedKeys: `${other.publicKey}\n` }],
      settings: {
        AuthorizedKeysCommand: `/usr/bin/cat ${hiddenKeys}`,
        AuthorizedKeysCommandUser: 'nobody',
      },
    });
    bob = sshd.user('bob').name;
    krlPath = join(sshd.dir, 'keywarden_revoked_keys');
    // This sshd's files and reload are not the system's: an admin allows them.
    eng = await startTestEngine({
      env: {
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath, `${sshd.dir}/`]),
        KEYWARDEN_ALLOWED_RELOAD_COMMANDS: JSON.stringify([reload()]),
      },
    });
    connection = await rootConnection(sshd, root);
    hostId = hostIdOf(connection);
  }, 60_000);

  afterAll(async () => {
    await eng?.stop();
    await sshd?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('blacklists a key no scan found: the KRL is written, RevokedKeys deployed, the login refused; time to revoke measured', async () => {
    expect((await login(hidden)).code).toBe(0);
    const scan = await runJob(eng, 'scan-authorized-keys', {
      connection,
      sshdConfigPath: sshd.configPath,
    });
    expect(scan.state).toBe('completed');
    // The scans do not see the key: removing lines cannot take it away.
    expect(await whoCanLogInWith(eng.store, hidden.fingerprint)).toEqual([]);
    expect(await readFile(sshd.configPath, 'utf8')).not.toMatch(/RevokedKeys/);

    const parent = await blacklist(hidden);
    expect(parent.state).toBe('completed');
    const kids = await children(parent.id);
    const deploy = kids.find((j) => j.type === 'deploy-revoked-keys');
    expect(deploy, JSON.stringify(kids)).toMatchObject({
      state: 'completed',
      result: { path: krlPath, configDeployed: true, revokedKeys: 1 },
    });
    expect(kids.find((j) => j.type === 'remove-authorized-key')?.result).toMatchObject({
      removed: 0,
    });

    // A root-owned file, and the config line naming it first in sshd_config.
    const st = await stat(krlPath);
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o644]);
    expect((await readFile(sshd.configPath, 'utf8')).split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^# Added by Keywarden/),
      `RevokedKeys ${krlPath}`,
    ]);

    // OpenSSH judges: another key still gets in, the revoked one is refused by the list.
    expect((await loginSoon(other)).code).toBe(0);
    expect((await login(hidden)).code).not.toBe(0);
    await sshd.waitForLog(new RegExp(`${escape(hidden.fingerprint)} revoked by file`));
    expect((await login(second)).code).toBe(0);

    const status = await revocationStatus(eng.store, hidden.fingerprint);
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
    const config = await readFile(sshd.configPath, 'utf8');
    const parent = await blacklist(second);
    const deploy = (await children(parent.id)).find((j) => j.type === 'deploy-revoked-keys');
    expect(deploy).toMatchObject({
      state: 'completed',
      result: { configDeployed: false, written: true, revokedKeys: 2 },
    });
    expect(await readFile(sshd.configPath, 'utf8')).toBe(config);
    // sshd reads the list at every authentication: no reload needed.
    expect((await login(second)).code).not.toBe(0);
    expect((await login(hidden)).code).not.toBe(0);
    expect((await login(other)).code).toBe(0);
    const status = await revocationStatus(eng.store, second.fingerprint);
    expect(status.pending).toEqual([]);
    expect(status.timeToRevokeMs).toBeGreaterThan(0);
    console.log(`time to revoke (1 host, list replaced): ${status.timeToRevokeMs} ms`);
  }, 120_000);
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
