import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeAuthorizedKey } from '../../../shared/hostops/remove-authorized-key';
import { revokeAuthorizedKey } from '../../../shared/hostops/revoke-authorized-key';
import { scanAuthorizedKeys } from '../../../shared/hostops/scan-authorized-keys';
import { scanConfigs } from '../../../shared/hostops/scan-configs';
import { scanPrivateKeys } from '../../../shared/hostops/scan-private-keys';
import { LocalSession } from '../../../shared/session/local-session';

const GiB = 1024 ** 3;

/**
 * One account's authorized_keys is a 3 GiB sparse file (no disk used): too large to read,
 * which must be a finding about that file while every other account is scanned and edited.
 */
describe('key files too large to read', () => {
  let root = '';
  const real = (p: string) => join(root, p);
  const keys: { line: string; fingerprint: string }[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-bounded-keys-'));
    for (const name of ['k1', 'k2']) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', real(name)]);
      const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', real(`${name}.pub`)], {
        encoding: 'utf8',
      }).split(' ')[1]!;
      keys.push({ line: (await readFile(real(`${name}.pub`), 'utf8')).trim(), fingerprint });
    }
    for (const u of ['alice', 'bob']) await mkdir(real(`/home/${u}/.ssh`), { recursive: true });
    await mkdir(real('/etc/ssh'), { recursive: true });
    await writeFile(
      real('/etc/passwd'),
      'alice:x:1501:1501::/home/alice:/bin/sh\nbob:x:1502:1502::/home/bob:/bin/sh\n',
    );
    await writeFile(real('/etc/group'), '');
    await writeFile(real('/etc/ssh/sshd_config'), 'HostKey /etc/ssh/ssh_host_ed25519_key\n');
    const huge = real('/home/alice/.ssh/authorized_keys');
    await writeFile(huge, `${keys[0]!.line}\n`);
    await truncate(huge, 3 * GiB);
    await writeFile(real('/home/bob/.ssh/authorized_keys'), `${keys[0]!.line}\n${keys[1]!.line}\n`);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('scans every other account and reports the oversized file with its size', async () => {
    const session = new LocalSession({ rootPrefix: root });
    const scan = await scanAuthorizedKeys(session);
    expect(scan.keys.map((k) => [k.account, k.comment])).toEqual([
      ['bob', 'k1'],
      ['bob', 'k2'],
    ]);
    expect(scan.findings).toEqual([
      expect.objectContaining({
        code: 'FILE_TOO_LARGE',
        account: 'alice',
        path: '/home/alice/.ssh/authorized_keys',
        size: 3 * GiB,
        limit: 1024 * 1024,
      }),
    ]);
  });

  it("revokes a key from every other account's file, and names the file it could not read", async () => {
    const session = new LocalSession({ rootPrefix: root });
    const r = await revokeAuthorizedKey(session, { fingerprint: keys[0]!.fingerprint });
    expect(r.files).toEqual([
      { account: 'bob', file: '/home/bob/.ssh/authorized_keys', lines: [1] },
    ]);
    expect(r.failed).toEqual([
      expect.objectContaining({
        account: 'alice',
        file: '/home/alice/.ssh/authorized_keys',
        code: 'FILE_TOO_LARGE',
      }),
    ]);
    expect(await readFile(real('/home/bob/.ssh/authorized_keys'), 'utf8')).toBe(
      `${keys[1]!.line}\n`,
    );
    // The oversized file is left exactly as it was.
    expect((await stat(real('/home/alice/.ssh/authorized_keys'))).size).toBe(3 * GiB);

    const removed = await removeAuthorizedKey(session, {
      account: 'bob',
      fingerprint: keys[1]!.fingerprint,
      includeUnmanaged: true,
    });
    expect(removed.removed).toBe(1);
    await expect(
      removeAuthorizedKey(session, { account: 'alice', fingerprint: keys[0]!.fingerprint }),
    ).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it('reports an oversized .pub beside a private key, and an oversized host key', async () => {
    // An encrypted PEM key has no public half in clear: the scan reads its .pub.
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ecdsa',
      '-m',
      'PEM',
      '-N',
      'secret',
      '-f',
      real('/home/bob/.ssh/id_ecdsa'),
    ]);
    await truncate(real('/home/bob/.ssh/id_ecdsa.pub'), 3 * GiB);
    // A 3 GiB file in ~/.ssh that is not a key is skipped unread and unreported.
    await writeFile(real('/home/bob/.ssh/known_hosts'), '');
    await truncate(real('/home/bob/.ssh/known_hosts'), 3 * GiB);
    const session = new LocalSession({ rootPrefix: root });
    const priv = await scanPrivateKeys(session);
    expect(priv.keys).toEqual([
      expect.objectContaining({
        account: 'bob',
        path: '/home/bob/.ssh/id_ecdsa',
        format: 'pem',
        encrypted: true,
      }),
    ]);
    expect(priv.findings).toEqual([
      expect.objectContaining({
        code: 'FILE_TOO_LARGE',
        path: '/home/bob/.ssh/id_ecdsa.pub',
        size: 3 * GiB,
      }),
    ]);

    await writeFile(real('/etc/ssh/ssh_host_ed25519_key'), '');
    await truncate(real('/etc/ssh/ssh_host_ed25519_key'), 3 * GiB);
    const configs = await scanConfigs(session, {
      sshdBinary: '/nonexistent',
      sshBinary: '/nonexistent',
    });
    expect(configs.hostKeys).toEqual([
      expect.objectContaining({
        path: '/etc/ssh/ssh_host_ed25519_key',
        error: expect.stringContaining('over the'),
      }),
    ]);
    expect(configs.findings).toContainEqual(
      expect.objectContaining({ code: 'FILE_TOO_LARGE', path: '/etc/ssh/ssh_host_ed25519_key' }),
    );
  });
});
