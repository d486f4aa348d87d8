import { execFileSync } from 'node:child_process';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relocateUserKeys } from '../../../shared/hostops/relocate-user-keys';
import { LocalSession } from '../../../shared/session/local-session';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const SECRET = '-----BEGIN OPENSSH PRIVATE KEY-----\nroot secret\n';

/**
 * Relocation reads every user's key file as root and writes what it read to a root-owned,
 * world-readable file: a user must not be able to point it at anything else.
 */
describe('relocating user keys from files users could redirect', () => {
  let root = '';
  const real = (p: string) => join(root, p);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-relocate-untrusted-'));
    await mkdir(real('/etc/ssh'), { recursive: true });
    await mkdir(real('/root/.ssh'), { recursive: true, mode: 0o700 });
    await writeFile(real('/root/.ssh/id_ed25519'), SECRET, { mode: 0o600 });
    await writeFile(
      real('/etc/passwd'),
      [
        'bob:x:1600:1600::/home/bob:/bin/sh',
        'alice:x:1601:1601::/home/alice:/bin/sh',
        'carol:x:1602:1602::/home/carol:/bin/sh',
        'erin:x:1604:1604::/home/erin:/bin/sh',
        '',
      ].join('\n'),
    );
    await writeFile(real('/etc/group'), '');
    for (const [name, uid] of [
      ['bob', 1600],
      ['alice', 1601],
      ['carol', 1602],
      ['erin', 1604],
    ] as const) {
      await mkdir(real(`/home/${name}/.ssh`), { recursive: true });
      await chown(real(`/home/${name}`), uid, uid);
      await chown(real(`/home/${name}/.ssh`), uid, uid);
      if (name === 'alice') continue;
      await writeFile(real(`/home/${name}/.ssh/authorized_keys`), `${KEY} ${name}\n`);
      await chown(real(`/home/${name}/.ssh/authorized_keys`), uid, uid);
    }
    // alice: `ln -s /root/.ssh/id_ed25519 ~/.ssh/authorized_keys` (on this test's "host").
    await symlink(real('/root/.ssh/id_ed25519'), real('/home/alice/.ssh/authorized_keys'));
    // carol's file belongs to someone else (dave, 1603), who could write any key into it.
    await chown(real('/home/carol/.ssh/authorized_keys'), 1603, 1603);
    // erin's home is writable by everyone: anyone could have replaced her ~/.ssh.
    await chmod(real('/home/erin'), 0o777);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', real('/etc/ssh/hk')]);
    await writeFile(
      real('/etc/ssh/sshd_config'),
      `HostKey ${real('/etc/ssh/hk')}\nAuthorizedKeysFile .ssh/authorized_keys\n`,
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('copies nothing through a symlink, a foreign-owned file or an unsafe home, and reports each', async () => {
    const session = new LocalSession({ rootPrefix: root });
    const result = await relocateUserKeys(session, { reloadCommand: ['true'] });

    // Nothing of root's secret ended up anywhere relocation wrote.
    const relocated = await readdir(real('/etc/ssh/authorized_keys'));
    for (const name of relocated) {
      expect(await readFile(real(`/etc/ssh/authorized_keys/${name}`), 'utf8')).not.toContain(
        'root secret',
      );
    }
    expect(relocated).toEqual(['bob']);
    expect(result.copied).toEqual([
      {
        account: 'bob',
        from: ['/home/bob/.ssh/authorized_keys'],
        to: '/etc/ssh/authorized_keys/bob',
      },
    ]);
    expect(result.findings.map(({ account, file, code }) => ({ account, file, code }))).toEqual([
      { account: 'alice', file: '/home/alice/.ssh/authorized_keys', code: 'SYMLINK_REFUSED' },
      { account: 'carol', file: '/home/carol/.ssh/authorized_keys', code: 'UNSAFE_PATH' },
      { account: 'erin', file: '/home/erin/.ssh/authorized_keys', code: 'UNSAFE_PATH' },
    ]);
    expect(result.findings[2]?.message).toContain('/home/erin');
    // The secret itself is untouched.
    const st = await lstat(real('/root/.ssh/id_ed25519'));
    expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o600]);
    expect(await readFile(real('/root/.ssh/id_ed25519'), 'utf8')).toBe(SECRET);
  });
});
