import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthorizedKey } from '../../../shared/hostops/add-authorized-key';
import { revokeAuthorizedKey } from '../../../shared/hostops/revoke-authorized-key';
import { scanAuthorizedKeys } from '../../../shared/hostops/scan-authorized-keys';
import { LocalSession } from '../../../shared/session/local-session';

/**
 * sshd's StrictModes refuses keys in a home another user could have rewritten; Keywarden
 * refuses to write there as root for the same reason (the other user could redirect it).
 */
describe('editing keys below a home another user can write', () => {
  let root = '';
  const real = (p: string) => join(root, p);
  let key = '';
  let fingerprint = '';
  const original = (name: string) => `# ${name}\n`;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-unsafe-home-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', real('k')]);
    key = (await readFile(real('k.pub'), 'utf8')).trim();
    fingerprint = execFileSync('ssh-keygen', ['-l', '-f', real('k.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    await mkdir(real('/etc/ssh'), { recursive: true });
    await writeFile(
      real('/etc/passwd'),
      [
        'alice:x:1701:1701::/home/alice:/bin/sh',
        'bob:x:1702:1702::/home/bob:/bin/sh',
        'carol:x:1703:1703::/srv/shared/carol:/bin/sh',
        '',
      ].join('\n'),
    );
    await writeFile(real('/etc/group'), '');
    await writeFile(real('/etc/ssh/sshd_config'), 'AuthorizedKeysFile .ssh/authorized_keys\n');
    for (const [name, uid, home] of [
      ['alice', 1701, '/home/alice'],
      ['bob', 1702, '/home/bob'],
      ['carol', 1703, '/srv/shared/carol'],
    ] as const) {
      await mkdir(real(`${home}/.ssh`), { recursive: true });
      await chown(real(home), uid, uid);
      await chown(real(`${home}/.ssh`), uid, uid);
      await writeFile(real(`${home}/.ssh/authorized_keys`), `${original(name)}${key} k\n`);
      await chown(real(`${home}/.ssh/authorized_keys`), uid, uid);
    }
    await chmod(real('/home/alice'), 0o777); // anyone may replace alice's ~/.ssh
    await chmod(real('/srv/shared'), 0o775); // a parent of carol's home, group-writable
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('add-authorized-key is refused with UNSAFE_PATH naming the directory, and writes nothing', async () => {
    const session = new LocalSession({ rootPrefix: root });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', real('k2')]);
    const other = await readFile(real('k2.pub'), 'utf8');
    for (const [account, dir] of [
      ['alice', '/home/alice'],
      ['carol', '/srv/shared'],
    ] as const) {
      await expect(
        addAuthorizedKey(session, { account, publicKey: other.trim() }),
      ).rejects.toMatchObject({ code: 'UNSAFE_PATH', details: { directory: dir } });
    }
    expect(await readFile(real('/home/alice/.ssh/authorized_keys'), 'utf8')).toBe(
      `${original('alice')}${key} k\n`,
    );
  });

  it('the authorized-keys scan reports each unsafe key file for its account, and still reads the host', async () => {
    const session = new LocalSession({ rootPrefix: root });
    const scan = await scanAuthorizedKeys(session, {});
    expect(
      scan.unsafePaths.map(({ account, code, directory }) => ({ account, code, directory })),
    ).toEqual([
      { account: 'alice', code: 'UNSAFE_PATH', directory: '/home/alice' },
      { account: 'carol', code: 'UNSAFE_PATH', directory: '/srv/shared' },
    ]);
    expect(scan.unsafePaths[0]?.message).toMatch(/writable by group or others \(mode 777\)/);
    expect(new Set(scan.keys.map((k) => k.account))).toEqual(new Set(['alice', 'bob', 'carol']));
  });

  it('a revocation reports the unsafe homes per account and still edits the safe one', async () => {
    const session = new LocalSession({ rootPrefix: root });
    const r = await revokeAuthorizedKey(session, { fingerprint });
    expect(r.files).toEqual([
      { account: 'bob', file: '/home/bob/.ssh/authorized_keys', lines: [2] },
    ]);
    expect(r.failed.map(({ account, code }) => ({ account, code }))).toEqual([
      { account: 'alice', code: 'UNSAFE_PATH' },
      { account: 'carol', code: 'UNSAFE_PATH' },
    ]);
    expect(await readFile(real('/home/bob/.ssh/authorized_keys'), 'utf8')).toBe(original('bob'));
  });
});
