import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysOnHost, whoCanLogInWith } from '../../../controller/inventory/access-queries';
import type { Connection } from '../../../controller/inventory/host-target';
import type { TestSshd } from '../../helpers/sshd';
import { fingerprintOf, generateClientKey, startTestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';
import { hostIdOf, rootConnection, runJob, type ClientKey } from './host-job-harness';

const run = promisify(execFile);

/** Blacklisting, config deployment, key relocation and private keys, judged by OpenSSH. */
describe('fleet edit jobs against a real sshd, through a real engine', () => {
  let sshd: TestSshd;
  let eng: TestEngine;
  let connection: Connection;
  let hostId = '';
  let keyDir = '';
  let leaked: ClientKey;
  let other: ClientKey;
  let bob = '';
  let carol = '';
  let bobKeys = '';
  const otherLine = () => `command="true" ${other.publicKey} bob's own\n`;
  const children = async (parentId: string) =>
    (await eng.store.jobs.list({ parentId }, { limit: 10 })).items;
  const login = (user: string, key: ClientKey) =>
    sshLogin({ host: sshd.address, port: sshd.port, user, identityFile: key.path });
  const reload = () => ['sh', '-c', `kill -HUP "$(cat '${sshd.pidPath}')"`];
  /** sshd re-executes itself on SIGHUP: give it a moment to listen again. */
  const loginSoon = async (user: string, key: ClientKey) => {
    let last = await login(user, key);
    for (let i = 0; i < 20 && last.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 150));
      last = await login(user, key);
    }
    return last;
  };

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-fleet-'));
    const root = await generateClientKey(keyDir, 'root');
    leaked = await generateClientKey(keyDir, 'leaked');
    other = await generateClientKey(keyDir, 'other');
    sshd = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [
        // Bob wrote the leaked key in himself: a blacklist removes it all the same.
        { name: 'bob', authorizedKeys: `${leaked.publicKey} bob laptop\n` },
        { name: 'carol', authorizedKeys: '' },
      ],
    });
    // This sshd's config file and reload are not the system's: an admin allows them.
    eng = await startTestEngine({
      env: {
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]),
        KEYWARDEN_ALLOWED_RELOAD_COMMANDS: JSON.stringify([reload()]),
        KEYWARDEN_ALLOWED_RELOCATION_TARGETS: JSON.stringify([join(sshd.dir, 'keys', '%u')]),
      },
    });
    bob = sshd.user('bob').name;
    carol = sshd.user('carol').name;
    bobKeys = join(sshd.user('bob').home, '.ssh', 'authorized_keys');
    await writeFile(bobKeys, `${leaked.publicKey} bob laptop\n${otherLine()}`);
    connection = await rootConnection(sshd, root);
    hostId = hostIdOf(connection);
  });

  afterAll(async () => {
    await eng?.stop();
    await sshd?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('blacklists a key: removed from every account that has it, refused by later adds', async () => {
    const config = { connection, sshdConfigPath: sshd.configPath };
    const add = await runJob(eng, 'add-authorized-key', {
      ...config,
      account: carol,
      publicKey: leaked.publicKey,
    });
    expect(add.state).toBe('completed');
    expect((await runJob(eng, 'scan-authorized-keys', config)).state).toBe('completed');
    expect(
      (await whoCanLogInWith(eng.store, leaked.fingerprint)).map((a) => a.account).sort(),
    ).toEqual([bob, carol].sort());
    expect((await login(bob, leaked)).code).toBe(0);

    const parent = await runJob(eng, 'blacklist-keys', {
      fingerprint: leaked.fingerprint,
      reason: 'left on a stolen laptop',
      targets: [{ connection }],
      sshdConfigPath: sshd.configPath,
    });
    expect(parent).toMatchObject({
      state: 'completed',
      result: { children: { completed: 1, total: 1 } },
    });
    const [child] = await children(parent.id);
    expect(child).toMatchObject({ type: 'remove-authorized-key', result: { removed: 2 } });

    expect(await readFile(bobKeys, 'utf8')).toBe(otherLine());
    expect((await login(bob, leaked)).code).not.toBe(0);
    expect((await login(carol, leaked)).code).not.toBe(0);
    expect((await login(bob, other)).code).toBe(0);
    expect(await whoCanLogInWith(eng.store, leaked.fingerprint)).toEqual([]);

    const carolKeys = join(sshd.user('carol').home, '.ssh', 'authorized_keys');
    const before = await readFile(carolKeys, 'utf8');
    const refused = await runJob(eng, 'add-authorized-key', {
      ...config,
      account: carol,
      publicKey: leaked.publicKey,
    });
    expect(refused).toMatchObject({ state: 'failed', error: { code: 'KEY_BLACKLISTED' } });
    expect(await readFile(carolKeys, 'utf8')).toBe(before);
    expect((await login(carol, leaked)).code).not.toBe(0);

    // Bob writes it back by hand: the next scan raises a critical alert.
    await writeFile(bobKeys, `${otherLine()}${leaked.publicKey}\n`);
    const scan = await runJob(eng, 'scan-authorized-keys', { ...config, accounts: [bob] });
    expect(scan.result).toMatchObject({ blacklisted: [leaked.fingerprint] });
    const alerts = await eng.store.alerts.list({ type: 'blacklisted-key-found' }, { limit: 5 });
    expect(alerts.items).toEqual([
      expect.objectContaining({ severity: 'critical', subject: hostId, state: 'open' }),
    ]);
    await writeFile(bobKeys, otherLine());
  });

  it('rolls back a configuration sshd -t rejects; applies and reloads a good one', async () => {
    const before = await readFile(sshd.configPath, 'utf8');
    const deploy = { targets: [{ connection }], path: sshd.configPath, reloadCommand: reload() };
    const bad = await runJob(eng, 'conf-deploy', {
      ...deploy,
      content: `${before}NoSuchKeyword yes\n`,
    });
    expect(bad).toMatchObject({ state: 'completed', result: { children: { failed: 1 } } });
    const [badChild] = await children(bad.id);
    expect(badChild).toMatchObject({
      type: 'conf-deploy-host',
      state: 'failed',
      error: {
        code: 'COMMAND_FAILED',
        message: expect.stringMatching(/check stage.*NoSuchKeyword/s),
      },
    });
    expect(await readFile(sshd.configPath, 'utf8')).toBe(before);
    expect((await login(bob, other)).code).toBe(0);

    // At the top: the file ends in a Match block, where a line would only apply to root.
    const good = await runJob(eng, 'conf-deploy', {
      ...deploy,
      content: `MaxAuthTries 4\n${before}`,
    });
    expect(good).toMatchObject({ result: { children: { completed: 1 } } });
    const [goodChild] = await children(good.id);
    expect(goodChild?.result).toMatchObject({ status: 'applied', reloaded: true });
    const sshdT = (await run('/usr/sbin/sshd', ['-T', '-f', sshd.configPath])).stdout;
    expect(sshdT).toMatch(/^maxauthtries 4$/m);
    const settings = (await eng.store.inventory.hostConfigs.get(hostId))?.settings ?? [];
    expect(settings.find((s) => s.keyword === 'maxauthtries')?.values).toEqual(['4']);
    expect((await loginSoon(bob, other)).code).toBe(0);
  });

  it('relocates user keys to root-owned files that sshd then reads', async () => {
    const target = join(sshd.dir, 'keys', '%u');
    const parent = await runJob(eng, 'relocate-user-keys', {
      targets: [{ connection }],
      target,
      // Other accounts of this machine are not this sshd's users: they may lose access here.
      accounts: [bob, carol],
      othersMayLoseAccess: true,
      sshdConfigPath: sshd.configPath,
      reloadCommand: reload(),
    });
    expect(parent).toMatchObject({ result: { children: { completed: 1 } } });
    const [child] = await children(parent.id);
    expect(child?.result).toMatchObject({
      config: { status: 'applied' },
      overriddenInMatch: [{ file: sshd.configPath }],
    });
    const relocated = join(sshd.dir, 'keys', bob);
    expect(await readFile(relocated, 'utf8')).toBe(otherLine());
    const st = await stat(relocated);
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o644]);
    expect(await readFile(sshd.configPath, 'utf8')).toMatch(
      new RegExp(`^AuthorizedKeysFile ${target.replace(/[/.]/g, '\\$&')}$`, 'm'),
    );
    // Bob can no longer grant himself access: his own file is not read any more.
    await writeFile(bobKeys, '');
    expect((await loginSoon(bob, other)).code).toBe(0);
    const bobsKeys = (await keysOnHost(eng.store, hostId)).filter((k) => k.account === bob);
    expect(bobsKeys.map((k) => [k.file, k.fingerprint])).toEqual([[relocated, other.fingerprint]]);

    // A key added now goes where sshd reads it: the relocated file, root's, not ~/.ssh.
    const added = await runJob(eng, 'add-authorized-key', {
      connection,
      sshdConfigPath: sshd.configPath,
      account: carol,
      publicKey: other.publicKey,
    });
    expect(added.result).toMatchObject({ file: join(sshd.dir, 'keys', carol), changed: true });
    const carolFile = await stat(join(sshd.dir, 'keys', carol));
    expect([carolFile.uid, carolFile.mode & 0o777]).toEqual([0, 0o644]);
    expect((await login(carol, other)).code).toBe(0);
  });

  it('generates, renews and removes a private key with the right owner, mode and fingerprint', async () => {
    const account = {
      connection,
      account: bob,
      policy: { type: 'ed25519' as const },
      comment: 'bob@kw',
    };
    const gen = await runJob(eng, 'generate-private-key', account);
    expect(gen.state).toBe('completed');
    const { path, fingerprint } = gen.result as { path: string; fingerprint: string };
    expect(path).toBe(join(sshd.user('bob').home, '.ssh', 'id_ed25519'));
    expect(fingerprint).toBe(await fingerprintOf(`${path}.pub`));
    const st = await stat(path);
    expect([st.uid, st.mode & 0o777]).toEqual([sshd.user('bob').uid, 0o600]);
    expect((await runJob(eng, 'generate-private-key', account)).error).toMatchObject({
      code: 'CONFLICT',
    });

    const renew = await runJob(eng, 'renew-private-key', account);
    expect(renew.result).toMatchObject({ previousFingerprint: fingerprint });
    const renewed = (renew.result as { fingerprint: string }).fingerprint;
    expect(renewed).not.toBe(fingerprint);
    expect(renewed).toBe(await fingerprintOf(`${path}.pub`));
    expect(
      (await eng.store.inventory.items.list('private-key', { hostId })).map((k) => k.fingerprint),
    ).toEqual([renewed]);

    const removed = await runJob(eng, 'remove-private-key', { connection, path });
    expect(removed.state).toBe('completed');
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await eng.store.inventory.items.list('private-key', { hostId })).toEqual([]);
  });
});
