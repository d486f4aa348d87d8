import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthorizedKey } from '../../../shared/hostops/add-authorized-key';
import { removeAuthorizedKey } from '../../../shared/hostops/remove-authorized-key';
import { scanKeyActivity } from '../../../shared/hostops/scan-key-activity';
import { SshSession } from '../../../shared/session/ssh-session';
import type { TestSshd } from '../../helpers/sshd';
import { generateClientKey, startTestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';

type ClientKey = Awaited<ReturnType<typeof generateClientKey>>;

/** The end-to-end proof: OpenSSH itself judges every edit. */
describe('authorized key lifecycle against a real sshd', () => {
  let sshd: TestSshd;
  let session: SshSession;
  let keyDir = '';
  let handA: ClientKey;
  let handB: ClientKey;
  let managed: ClientKey;
  let handWritten = '';
  let keysFile = '';
  let alice = '';

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-e2e-'));
    const root = await generateClientKey(keyDir, 'root');
    handA = await generateClientKey(keyDir, 'hand-a');
    handB = await generateClientKey(keyDir, 'hand-b', 'ecdsa');
    managed = await generateClientKey(keyDir, 'managed');
    // Hand-written on purpose: a comment, odd spacing, options and CRLF on one line.
    handWritten = `# keys Alice put here herself\n${handA.publicKey}\n\nno-pty,no-X11-forwarding   ${handB.publicKey}  laptop \r\n`;
    sshd = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [{ name: 'alice', authorizedKeys: handWritten }],
    });
    alice = sshd.user('alice').name;
    keysFile = join(sshd.user('alice').home, '.ssh', 'authorized_keys');
    session = await SshSession.connect({
      host: sshd.address,
      port: sshd.port,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      username: 'root',
      privateKey: await readFile(root.path, 'utf8'),
    });
  });

  afterAll(async () => {
    await session?.close();
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

  it('adds a from= restricted key that sshd honours, leaving the hand-written lines alone', async () => {
    const added = await addAuthorizedKey(session, {
      account: alice,
      sshdConfigPath: sshd.configPath,
      publicKey: managed.publicKey,
      options: [{ name: 'from', value: '127.0.0.2' }],
    });
    expect(added).toMatchObject({ changed: true, created: false, lines: [5], file: keysFile });

    const text = await readFile(keysFile, 'utf8');
    expect(text.startsWith(handWritten)).toBe(true);
    expect(text.slice(handWritten.length)).toMatch(
      /^from="127\.0\.0\.2" ssh-ed25519 \S+ managed@kwt keywarden-managed\r?\n$/,
    );

    expect((await login(managed, '127.0.0.2')).code).toBe(0);
    expect((await login(managed, '127.0.0.1')).code).not.toBe(0);
    expect((await login(handA, '127.0.0.1')).code).toBe(0);
    expect((await login(handB, '127.0.0.1')).code).toBe(0);

    const again = await addAuthorizedKey(session, {
      account: alice,
      sshdConfigPath: sshd.configPath,
      publicKey: managed.publicKey,
      options: [{ name: 'from', value: '127.0.0.2' }],
    });
    expect(again.changed).toBe(false);
    expect(await readFile(keysFile, 'utf8')).toBe(text);
  });

  it('never removes a hand-written key unless asked to revoke it', async () => {
    const kept = await removeAuthorizedKey(session, {
      account: alice,
      sshdConfigPath: sshd.configPath,
      fingerprint: handA.fingerprint,
    });
    expect(kept.removed).toBe(0);
    expect(kept.files[0]?.skippedUnmanaged).toEqual([2]);
    expect((await readFile(keysFile, 'utf8')).startsWith(handWritten)).toBe(true);
  });

  it('removes the managed key: only its line goes, and its login is refused', async () => {
    const removed = await removeAuthorizedKey(session, {
      account: alice,
      sshdConfigPath: sshd.configPath,
      fingerprint: managed.fingerprint,
    });
    expect(removed).toMatchObject({ removed: 1, files: [{ file: keysFile, lines: [5] }] });
    expect(await readFile(keysFile, 'utf8')).toBe(handWritten);
    expect((await login(managed, '127.0.0.2')).code).not.toBe(0);
    expect((await login(handA, '127.0.0.1')).code).toBe(0);
  });

  it('reports the earlier login in the key activity with fingerprint and source, once', async () => {
    await sshd.waitForLog(new RegExp(`Accepted publickey for ${alice} from 127\\.0\\.0\\.2`));
    const first = await scanKeyActivity(session, { logFiles: [sshd.logPath] });
    const fromManaged = first.events.filter((e) => e.fingerprint === managed.fingerprint);
    expect(fromManaged).toEqual([
      expect.objectContaining({
        user: alice,
        address: '127.0.0.2',
        keyType: 'ED25519',
        file: sshd.logPath,
      }),
    ]);
    const handLogins = first.events.filter((e) => e.fingerprint === handA.fingerprint);
    expect(handLogins.length).toBe(2);
    expect(handLogins.every((e) => e.address === '127.0.0.1')).toBe(true);

    const second = await scanKeyActivity(session, {
      logFiles: [sshd.logPath],
      cursor: first.cursor,
    });
    expect(second.events).toEqual([]);
  });
});
