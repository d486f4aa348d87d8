import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthorizedKey } from '../../../shared/hostops/add-authorized-key';
import { removeAuthorizedKey } from '../../../shared/hostops/remove-authorized-key';
import { deploySshdConfig } from '../../../shared/hostops/deploy-sshd-config';
import { generatePrivateKey } from '../../../shared/hostops/generate-private-key';
import { removePrivateKey } from '../../../shared/hostops/remove-private-key';
import { relocateUserKeys } from '../../../shared/hostops/relocate-user-keys';
import { scanAuthorizedKeys } from '../../../shared/hostops/scan-authorized-keys';
import { scanPrivateKeys } from '../../../shared/hostops/scan-private-keys';
import { LocalSession } from '../../../shared/session/local-session';

/** Host operations on a "host" that is a directory, judged by ssh-keygen and sshd -t. */
describe('host operations over a LocalSession with a root prefix', () => {
  let root = '';
  let session: LocalSession;
  const real = (p: string) => join(root, p);
  const keygenFingerprint = (file: string) =>
    execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).split(
      ' ',
    )[1];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-hostops-'));
    await mkdir(real('/etc/ssh/authorized_keys'), { recursive: true });
    await mkdir(real('/home/alice'), { recursive: true });
    await writeFile(
      real('/etc/passwd'),
      'root:x:0:0::/root:/bin/sh\nalice:x:1500:1500::/home/alice:/bin/sh\n',
    );
    await writeFile(real('/etc/group'), 'alice:x:1500:\n');
    session = new LocalSession({ rootPrefix: root });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('generates a key pair owned by the account, 0600 and 0644, with the fingerprint ssh-keygen prints', async () => {
    const key = await generatePrivateKey(session, {
      account: 'alice',
      policy: { type: 'ecdsa', bits: 384 },
      comment: 'alice@test',
    });
    expect(key).toMatchObject({ path: '/home/alice/.ssh/id_ecdsa', bits: 384 });
    const priv = await lstat(real(key.path));
    const pub = await lstat(real(key.publicKeyPath));
    const dir = await lstat(real('/home/alice/.ssh'));
    expect([priv.uid, priv.mode & 0o777, pub.mode & 0o777, dir.uid, dir.mode & 0o777]).toEqual([
      1500, 0o600, 0o644, 1500, 0o700,
    ]);
    expect(key.fingerprint).toBe(keygenFingerprint(real(key.publicKeyPath)));
    await expect(
      generatePrivateKey(session, {
        account: 'alice',
        policy: { type: 'ecdsa', bits: 384 },
        comment: 'x',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it("writes a key pair or a key line only into the account's own files, never a path elsewhere", async () => {
    await writeFile(real('/etc/shadow'), 'root:*:1::::::\n');
    await expect(
      generatePrivateKey(session, {
        account: 'alice',
        path: '/etc/shadow',
        replace: true,
        policy: { type: 'ed25519' },
        comment: 'x',
      }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/not in the home/),
    });
    await expect(
      generatePrivateKey(session, {
        account: 'alice',
        path: '/home/alice/../../etc/cron.d/x',
        policy: { type: 'ed25519' },
        comment: 'x',
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    for (const authorizedKeysFile of ['/etc/shadow', '/root/.ssh/authorized_keys'])
      await expect(
        addAuthorizedKey(session, { account: 'alice', publicKey: key, authorizedKeysFile }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      removeAuthorizedKey(session, {
        account: 'alice',
        fingerprint: 'SHA256:x',
        authorizedKeysFiles: ['/etc/shadow'],
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await readFile(real('/etc/shadow'), 'utf8')).toBe('root:*:1::::::\n');
  });

  it('scans private keys: type, encryption and fingerprint without any passphrase', async () => {
    const ssh = real('/home/alice/.ssh');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', join(ssh, 'locked')]);
    await rm(join(ssh, 'locked.pub'));
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'rsa',
      '-b',
      '2048',
      '-m',
      'PEM',
      '-N',
      '',
      '-f',
      join(ssh, 'legacy'),
    ]);
    const legacyFp = keygenFingerprint(join(ssh, 'legacy.pub'));
    await rm(join(ssh, 'legacy.pub'));
    await writeFile(join(ssh, 'known_hosts'), 'not a key\n');
    const { keys } = await scanPrivateKeys(session);
    const byName = Object.fromEntries(keys.map((k) => [k.path.split('/').pop(), k]));
    expect(Object.keys(byName).sort()).toEqual(['id_ecdsa', 'legacy', 'locked']);
    expect(byName.locked).toMatchObject({
      format: 'openssh',
      encrypted: true,
      type: 'ssh-ed25519',
      fingerprintFrom: 'key',
    });
    expect(byName.legacy).toMatchObject({
      format: 'pem',
      encrypted: false,
      bits: 2048,
      fingerprint: legacyFp,
      fingerprintFrom: 'ssh-keygen',
    });
    expect(byName.id_ecdsa).toMatchObject({ encrypted: false, bits: 384 });
  });

  it('removes a private key with its .pub and nothing else', async () => {
    const { removed } = await removePrivateKey(session, { path: '/home/alice/.ssh/id_ecdsa' });
    expect(removed).toEqual(['/home/alice/.ssh/id_ecdsa', '/home/alice/.ssh/id_ecdsa.pub']);
    expect((await session.listDir('/home/alice/.ssh')).map((e) => e.name)).toContain('locked');
  });

  it('scans authorized keys in every configured file, reporting invalid lines', async () => {
    // The public half only (ssh-keygen -y appends the key's own comment).
    const locked = real('/home/alice/.ssh/locked');
    const pub = execFileSync('ssh-keygen', ['-y', '-P', 'secret', '-f', locked], {
      encoding: 'utf8',
    })
      .split(' ')
      .slice(0, 2)
      .join(' ');
    await writeFile(
      real('/home/alice/.ssh/authorized_keys'),
      `# hi\nrestrict,from="10.0.0.0/8" ${pub} laptop\nssh-ed25519 garbage\n`,
    );
    await writeFile(real('/etc/ssh/authorized_keys/alice'), `${pub} central\n`);
    // The files come from the config itself: an Included default, and a Match User override.
    await mkdir(real('/etc/ssh/scan.d'), { recursive: true });
    await writeFile(real('/etc/ssh/scan.d/10-keys.conf'), 'AuthorizedKeysFile .ssh/elsewhere\n');
    await writeFile(
      real('/etc/ssh/scan_config'),
      'Include /etc/ssh/scan.d/*.conf\nMatch User alice\n  AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/authorized_keys/%u\n',
    );
    const scan = await scanAuthorizedKeys(session, { sshdConfigPath: '/etc/ssh/scan_config' });
    expect(scan.patterns).toEqual([
      { account: 'root', patterns: ['.ssh/elsewhere'] },
      { account: 'alice', patterns: ['.ssh/authorized_keys', '/etc/ssh/authorized_keys/%u'] },
    ]);
    expect(scan.keys.map((k) => [k.file, k.line, k.comment, k.options.map((o) => o.name)])).toEqual(
      [
        ['/home/alice/.ssh/authorized_keys', 2, 'laptop', ['restrict', 'from']],
        ['/etc/ssh/authorized_keys/alice', 1, 'central', []],
      ],
    );
    expect(scan.keys[0]).toMatchObject({
      account: 'alice',
      type: 'ssh-ed25519',
      bits: 256,
      managed: false,
    });
    expect(scan.invalidLines).toEqual([expect.objectContaining({ account: 'alice', line: 3 })]);
  });

  describe('deploying an sshd_config', () => {
    const good = () =>
      `Port 2222\nHostKey ${real('/etc/ssh/host_key')}\nPubkeyAuthentication yes\n`;
    beforeAll(async () => {
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-f',
        real('/etc/ssh/host_key'),
      ]);
      await writeFile(real('/etc/ssh/sshd_config'), good());
      await chmod(real('/etc/ssh/sshd_config'), 0o640);
    });

    it('applies a change sshd -t accepts and reloads', async () => {
      const next = `${good()}PasswordAuthentication no\n`;
      // No login check here: only the controller's SSH executors can make one.
      expect(await deploySshdConfig(session, { content: next, reloadCommand: ['true'] })).toEqual({
        status: 'applied',
        written: true,
        reloaded: true,
        loginChecked: false,
      });
      expect(await readFile(real('/etc/ssh/sshd_config'), 'utf8')).toBe(next);
      expect((await lstat(real('/etc/ssh/sshd_config'))).mode & 0o777).toBe(0o640);
    });

    it('refuses a change sshd -t rejects before it goes live, and rolls back one whose reload fails', async () => {
      const before = await readFile(real('/etc/ssh/sshd_config'), 'utf8');
      const bad = await deploySshdConfig(session, { content: `${before}NoSuchKeyword yes\n` });
      expect(bad).toMatchObject({
        status: 'rejected',
        stage: 'check',
        output: expect.stringMatching(/NoSuchKeyword|Bad configuration/i),
      });
      expect(await readFile(real('/etc/ssh/sshd_config'), 'utf8')).toBe(before);
      const reload = await deploySshdConfig(session, {
        content: `${before}X11Forwarding no\n`,
        reloadCommand: ['false'],
      });
      expect(reload).toMatchObject({ status: 'rolled-back', stage: 'reload' });
      expect(await readFile(real('/etc/ssh/sshd_config'), 'utf8')).toBe(before);
    });
  });
});

describe('relocating user keys to a root-owned directory', () => {
  it('copies keys byte for byte to root-owned files and switches AuthorizedKeysFile', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kwt-relocate-'));
    const real = (p: string) => join(root, p);
    try {
      await mkdir(real('/home/bob/.ssh'), { recursive: true });
      await mkdir(real('/etc/ssh'), { recursive: true });
      await writeFile(
        real('/etc/passwd'),
        'bob:x:1600:1600::/home/bob:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n',
      );
      await writeFile(real('/etc/group'), '');
      const keys =
        '# bob\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bob';
      await writeFile(real('/home/bob/.ssh/authorized_keys'), keys);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', real('/etc/ssh/hk')]);
      await writeFile(
        real('/etc/ssh/sshd_config'),
        `HostKey ${real('/etc/ssh/hk')}\nAuthorizedKeysFile .ssh/authorized_keys\nMatch User x\n  AuthorizedKeysFile /x\n`,
      );
      const session = new LocalSession({ rootPrefix: root });
      const config = await readFile(real('/etc/ssh/sshd_config'), 'utf8');
      // Relocating someone else only would lock bob out: refused, nothing written.
      await expect(
        relocateUserKeys(session, { accounts: ['nobody'], reloadCommand: ['true'] }),
      ).rejects.toMatchObject({ code: 'CONFLICT', details: { losing: ['bob'] } });
      expect(await readFile(real('/etc/ssh/sshd_config'), 'utf8')).toBe(config);
      await expect(lstat(real('/etc/ssh/authorized_keys'))).rejects.toMatchObject({
        code: 'ENOENT',
      });
      const result = await relocateUserKeys(session, {
        target: '/etc/ssh/authorized_keys/%u',
        reloadCommand: ['true'],
      });
      expect(result.copied).toEqual([
        {
          account: 'bob',
          from: ['/home/bob/.ssh/authorized_keys'],
          to: '/etc/ssh/authorized_keys/bob',
        },
      ]);
      expect(result.config).toEqual({
        status: 'applied',
        written: true,
        reloaded: true,
        loginChecked: false,
      });
      // The winning line is rewritten; the Match block's own value is reported, not touched.
      expect(result).toMatchObject({ configFile: '/etc/ssh/sshd_config', configLine: 2 });
      expect(result.overriddenInMatch).toEqual([{ file: '/etc/ssh/sshd_config', line: 4 }]);
      expect(await readFile(real('/etc/ssh/authorized_keys/bob'), 'utf8')).toBe(`${keys}\n`);
      const st = await lstat(real('/etc/ssh/authorized_keys/bob'));
      expect([st.uid, st.mode & 0o777]).toEqual([0, 0o644]);
      expect(await readFile(real('/etc/ssh/sshd_config'), 'utf8')).toContain(
        'AuthorizedKeysFile /etc/ssh/authorized_keys/%u\nMatch User x\n  AuthorizedKeysFile /x\n',
      );
      expect(await readFile(real('/home/bob/.ssh/authorized_keys'), 'utf8')).toBe(keys);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
