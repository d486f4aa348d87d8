import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysOnHost, whoCanLogInWith } from '../../../controller/inventory/access-queries';
import type { Connection } from '../../../controller/inventory/host-target';
import type { TestSshd } from '../../helpers/sshd';
import { generateClientKey, startTestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';
import { hostIdOf, rootConnection, runJob, type ClientKey } from './host-job-harness';

const run = promisify(execFile);

/** The end-to-end proof through the job types: OpenSSH judges every edit. */
describe('authorized-key jobs against a real sshd, through a real engine', () => {
  let sshd: TestSshd;
  let eng: TestEngine;
  let connection: Connection;
  let hostId = '';
  let keyDir = '';
  let handA: ClientKey;
  let handB: ClientKey;
  let managed: ClientKey;
  let handWritten = '';
  let keysFile = '';
  let alice = '';
  const target = () => ({ connection, sshdConfigPath: sshd.configPath });

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-jobs-'));
    const root = await generateClientKey(keyDir, 'root');
    handA = await generateClientKey(keyDir, 'hand-a');
    handB = await generateClientKey(keyDir, 'hand-b', 'ecdsa');
    managed = await generateClientKey(keyDir, 'managed');
    handWritten = `# keys Alice put here herself\n${handA.publicKey}\n\nno-pty,no-X11-forwarding   ${handB.publicKey}  laptop \r\n`;
    sshd = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [{ name: 'alice', authorizedKeys: handWritten }],
    });
    // This sshd's config file is not the system's: an admin allows it.
    eng = await startTestEngine({
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]) },
    });
    alice = sshd.user('alice').name;
    keysFile = join(sshd.user('alice').home, '.ssh', 'authorized_keys');
    connection = await rootConnection(sshd, root);
    hostId = hostIdOf(connection);
  });

  afterAll(async () => {
    await eng?.stop();
    await sshd?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  const login = (key: ClientKey, from: string) =>
    sshLogin({
      host: sshd.address,
      port: sshd.port,
      user: alice,
      identityFile: key.path,
      bindAddress: from,
    });

  it('adds a from= key through add-authorized-key: sshd honours it, hand-written lines untouched', async () => {
    const job = await runJob(eng, 'add-authorized-key', {
      ...target(),
      account: alice,
      publicKey: managed.publicKey,
      options: [{ name: 'from', value: '127.0.0.2' }],
    });
    expect(job).toMatchObject({
      state: 'completed',
      result: {
        hostId,
        fingerprint: managed.fingerprint,
        changed: true,
        lines: [5],
        file: keysFile,
      },
    });
    const text = await readFile(keysFile, 'utf8');
    expect(text.startsWith(handWritten)).toBe(true);
    expect(text.slice(handWritten.length)).toMatch(
      /^from="127\.0\.0\.2" ssh-ed25519 \S+ managed@kwt keywarden-managed\r?\n$/,
    );
    expect((await login(managed, '127.0.0.2')).code).toBe(0);
    expect((await login(managed, '127.0.0.1')).code).not.toBe(0);
    expect((await login(handA, '127.0.0.1')).code).toBe(0);
    expect((await login(handB, '127.0.0.1')).code).toBe(0);

    // The inventory holds what the file now says, hand-written keys included.
    const keys = await keysOnHost(eng.store, hostId);
    expect(keys.map((k) => [k.account, k.fingerprint, k.line, k.managed, k.options])).toEqual(
      expect.arrayContaining([
        [alice, handA.fingerprint, 2, false, []],
        [alice, handB.fingerprint, 4, false, [{ name: 'no-pty' }, { name: 'no-x11-forwarding' }]],
        [alice, managed.fingerprint, 5, true, [{ name: 'from', value: '127.0.0.2' }]],
      ]),
    );
    expect(keys).toHaveLength(3);

    const again = await runJob(eng, 'add-authorized-key', {
      ...target(),
      account: alice,
      publicKey: managed.publicKey,
      options: [{ name: 'from', value: '127.0.0.2' }],
    });
    expect(again).toMatchObject({ state: 'completed', result: { changed: false } });
    expect(await readFile(keysFile, 'utf8')).toBe(text);
  });

  it('moves the key to another source address through set-authorized-key-options', async () => {
    const before = await readFile(keysFile, 'utf8');
    const job = await runJob(eng, 'set-authorized-key-options', {
      ...target(),
      account: alice,
      fingerprint: managed.fingerprint,
      options: [{ name: 'from', value: '127.0.0.1' }, { name: 'no-pty' }],
    });
    expect(job).toMatchObject({ state: 'completed', result: { changed: 1 } });
    const text = await readFile(keysFile, 'utf8');
    expect(text.startsWith(handWritten)).toBe(true);
    expect(text.slice(handWritten.length)).toBe(
      before.slice(handWritten.length).replace('from="127.0.0.2"', 'from="127.0.0.1",no-pty'),
    );
    expect((await login(managed, '127.0.0.1')).code).toBe(0);
    expect((await login(managed, '127.0.0.2')).code).not.toBe(0);
    const [access] = await whoCanLogInWith(eng.store, managed.fingerprint);
    expect(access?.options).toEqual([{ name: 'from', value: '127.0.0.1' }, { name: 'no-pty' }]);
  });

  it('removes it through remove-authorized-key: only its line goes, the login is refused', async () => {
    const job = await runJob(eng, 'remove-authorized-key', {
      ...target(),
      account: alice,
      fingerprint: managed.fingerprint,
    });
    expect(job).toMatchObject({ state: 'completed', result: { removed: 1 } });
    expect(await readFile(keysFile, 'utf8')).toBe(handWritten);
    expect((await login(managed, '127.0.0.1')).code).not.toBe(0);
    expect((await login(handA, '127.0.0.1')).code).toBe(0);
    expect(await whoCanLogInWith(eng.store, managed.fingerprint)).toEqual([]);
    const [gone] = await eng.store.inventory.items.list('authorized-key', {
      fingerprint: managed.fingerprint,
      includeRemoved: true,
    });
    expect(gone).toMatchObject({ account: alice, removedAt: expect.any(Number) });
  });

  it('stores the earlier login from the key-activity scan, counted once across scans', async () => {
    await sshd.waitForLog(new RegExp(`Accepted publickey for ${alice} from 127\\.0\\.0\\.2`));
    const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    await sshd.waitForLog(
      new RegExp(`from 127\\.0\\.0\\.1 port \\d+ ssh2: ED25519 ${esc(managed.fingerprint)}`),
    );
    const params = { connection, logFiles: [sshd.logPath] };
    const job = await runJob(eng, 'scan-host-key-activity', params);
    expect(job.state).toBe('completed');
    const uses = await eng.store.inventory.keyUsage.list({ fingerprint: managed.fingerprint });
    // One login from each address the key was allowed from in turn.
    expect(uses).toEqual([
      expect.objectContaining({ hostId, account: alice, from: '127.0.0.1', count: 1 }),
      expect.objectContaining({ hostId, account: alice, from: '127.0.0.2', count: 1 }),
    ]);
    expect(Math.abs(uses[0]!.lastUsedAt - Date.now())).toBeLessThan(5 * 60_000);
    const hand = await eng.store.inventory.keyUsage.list({ fingerprint: handA.fingerprint });
    expect(hand).toEqual([
      expect.objectContaining({ account: alice, from: '127.0.0.1', count: 2 }),
    ]);

    await runJob(eng, 'scan-host-key-activity', params);
    expect(await eng.store.inventory.keyUsage.list({ fingerprint: managed.fingerprint })).toEqual(
      uses,
    );
    const [access] = await whoCanLogInWith(eng.store, handA.fingerprint);
    expect(access?.lastUsed).toEqual({ at: hand[0]!.lastUsedAt, from: '127.0.0.1' });
  });

  it('scan-full stores accounts, keys, host keys and sshd settings as OpenSSH reports them', async () => {
    const job = await runJob(eng, 'scan-full', { ...target(), logFiles: [sshd.logPath] });
    expect(job.state).toBe('completed');
    const { items, hostConfigs } = eng.store.inventory;

    const [account] = await items.list('account', { hostId, account: alice });
    expect(account?.data).toMatchObject({
      uid: sshd.user('alice').uid,
      home: sshd.user('alice').home,
    });

    // ssh-keygen -l on each key of the file, in order (given the key words alone: it does not
    // read an options field followed by several blanks, which sshd accepts).
    const keygen: string[] = [];
    for (const line of (await readFile(keysFile, 'utf8')).split('\n')) {
      const words = /(?:^|\s)((?:ssh|ecdsa|sk)-\S+\s+[A-Za-z0-9+/=]+)/.exec(line);
      if (line.startsWith('#') || !words) continue;
      const one = join(keyDir, 'one-line.pub');
      await writeFile(one, `${words[1]}\n`);
      keygen.push(
        (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', one])).stdout.split(' ')[1]!,
      );
    }
    expect(keygen).toHaveLength(2);
    const stored = await items.list('authorized-key', { hostId, account: alice });
    expect(stored.sort((a, b) => a.data.line - b.data.line).map((k) => k.fingerprint)).toEqual(
      keygen,
    );

    const hostKeys = await items.list('host-key', { hostId });
    expect(hostKeys.map((k) => [k.data.path, k.fingerprint])).toEqual([
      [sshd.hostKeyPath, sshd.hostKeyFingerprint],
    ]);

    const sshdT = new Map(
      (await run('/usr/sbin/sshd', ['-T', '-f', sshd.configPath])).stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as const),
    );
    const config = await hostConfigs.get(hostId);
    const settings = new Map(config?.settings.map((s) => [s.keyword, s.values.join(' ')]));
    for (const keyword of [
      'port',
      'hostkey',
      'pubkeyauthentication',
      'passwordauthentication',
      'authorizedkeysfile',
      'permitrootlogin',
      'strictmodes',
      'usepam',
    ]) {
      // sshd -T prints prohibit-password by its deprecated alias (sshd_config(5)).
      const judged = sshdT.get(keyword)?.replace(/^without-password$/, 'prohibit-password');
      expect([keyword, settings.get(keyword)]).toEqual([keyword, judged]);
    }
    const { stderr } = await run('/usr/sbin/sshd', ['-V']);
    expect(config?.ssh.serverVersion).toBe(stderr.split(',')[0]);
    const osRelease = await readFile('/etc/os-release', 'utf8');
    expect(config?.os?.prettyName).toBe(/^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1]);
  });
});
