import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeAuthorizedKey } from '../../../shared/hostops/revoke-authorized-key';
import { LocalSession } from '../../../shared/session/local-session';

/** Revoking a key from every account, on a "host" that is a directory. */
describe('revoking an authorized key everywhere', () => {
  let root = '';
  const real = (p: string) => join(root, p);
  let leaked = '';
  let fingerprint = '';

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-revoke-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', real('k')]);
    leaked = (await readFile(real('k.pub'), 'utf8')).trim();
    fingerprint = execFileSync('ssh-keygen', ['-l', '-f', real('k.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    for (const u of ['alice', 'bob', 'carol'])
      await mkdir(real(`/home/${u}/.ssh`), { recursive: true });
    await mkdir(real('/etc/ssh'), { recursive: true });
    await writeFile(
      real('/etc/passwd'),
      [
        'alice:x:1501:1501::/home/alice:/bin/sh',
        'bob:x:1502:1502::/home/bob:/bin/sh',
        'carol:x:1503:1503::/home/carol:/bin/sh',
        '',
      ].join('\n'),
    );
    await writeFile(real('/etc/group'), '');
    await writeFile(
      real('/etc/ssh/sshd_config'),
      'AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u\n',
    );
    await mkdir(real('/etc/ssh/keys'));
    // Alice's file is a link out of her home (to a file she must not get root to rewrite).
    await writeFile(real('/etc/ssh/precious'), `${leaked} precious\n`);
    await symlink(real('/etc/ssh/precious'), real('/home/alice/.ssh/authorized_keys'));
    await writeFile(
      real('/home/bob/.ssh/authorized_keys'),
      `# bob\n${leaked} by hand\n  ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl other\n`,
    );
    await writeFile(real('/etc/ssh/keys/carol'), `from="10.0.0.1" ${leaked} keywarden-managed\n`);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('removes hand-written and managed lines alike, and reports a file it must not follow', async () => {
    const session = new LocalSession({ rootPrefix: root });
    const r = await revokeAuthorizedKey(session, { fingerprint });
    expect(r.files).toEqual([
      { account: 'bob', file: '/home/bob/.ssh/authorized_keys', lines: [2] },
      { account: 'carol', file: '/etc/ssh/keys/carol', lines: [1] },
    ]);
    expect(r.failed).toEqual([
      expect.objectContaining({
        account: 'alice',
        file: '/home/alice/.ssh/authorized_keys',
        code: 'SYMLINK_REFUSED',
      }),
    ]);
    expect(await readFile(real('/home/bob/.ssh/authorized_keys'), 'utf8')).toBe(
      '# bob\n  ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl other\n',
    );
    expect(await readFile(real('/etc/ssh/keys/carol'), 'utf8')).toBe('');
    expect(await readFile(real('/etc/ssh/precious'), 'utf8')).toBe(`${leaked} precious\n`);
  });
});
