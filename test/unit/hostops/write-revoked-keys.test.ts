/**
 * The revocation list as a host receives it: built by ssh-keygen on the controller (OpenSSH's
 * `ssh-keygen -Q` judges what it revokes), written only when it arrives intact, root-owned
 * 0644, and the host's sshd config read back to say whether sshd uses it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKrl } from '../../../controller/revocation/build-krl';
import { writeRevokedKeys } from '../../../shared/hostops/write-revoked-keys';
import { LocalSession } from '../../../shared/session/local-session';
import { generateClientKey } from '../../helpers/sshd';

const run = promisify(execFile);
const PATH = '/etc/ssh/keywarden_revoked_keys';

describe('write-revoked-keys', () => {
  let root = '';
  const real = (p: string) => join(root, p);
  const session = () => new LocalSession({ rootPrefix: root });
  let revoked: Awaited<ReturnType<typeof generateClientKey>>;
  let kept: Awaited<ReturnType<typeof generateClientKey>>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-krl-unit-'));
    await mkdir(real('/etc/ssh'), { recursive: true });
    await mkdir(real('/keys'));
    await writeFile(real('/etc/passwd'), 'alice:x:1500:1500::/home/alice:/bin/sh\n');
    await writeFile(real('/etc/group'), 'alice:x:1500:\n');
    revoked = await generateClientKey(real('/keys'), 'revoked');
    kept = await generateClientKey(real('/keys'), 'kept');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('builds a KRL that OpenSSH reads as revoking exactly the blacklisted keys', async () => {
    // Matches the fingerprint pattern, but its last character carries stray bits: no key has it.
    const stray = `SHA256:${'A'.repeat(42)}B`;
    const list = await buildKrl([revoked.fingerprint, stray]);
    expect(list.fingerprints).toEqual([revoked.fingerprint]);
    const file = real('/keys/krl');
    await writeFile(file, list.krl);
    const q = (key: string) =>
      run('ssh-keygen', ['-Q', '-f', file, `${key}.pub`]).then(
        (r) => r.stdout,
        (e: { stdout: string }) => e.stdout,
      );
    expect(await q(revoked.path)).toMatch(/REVOKED/);
    expect(await q(kept.path)).toMatch(/ok/);
  });

  it('refuses a list that does not match its hash, and writes nothing', async () => {
    await writeFile(real('/etc/ssh/sshd_config'), 'PubkeyAuthentication yes\n');
    const list = await buildKrl([revoked.fingerprint]);
    await expect(
      writeRevokedKeys(session(), {
        krlBase64: list.krl.toString('base64'),
        sha256: '0'.repeat(64),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(stat(real(PATH))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes the list root-owned 0644 and says sshd does not use it yet; a Match block that overrides it is named', async () => {
    const config = 'PubkeyAuthentication yes\nMatch User alice\n  RevokedKeys none\n';
    await writeFile(real('/etc/ssh/sshd_config'), config);
    const list = await buildKrl([revoked.fingerprint]);
    const args = { krlBase64: list.krl.toString('base64'), sha256: list.sha256 };
    const r = await writeRevokedKeys(session(), args);
    expect(r).toMatchObject({
      path: PATH,
      written: true,
      revokedKeys: null,
      accountsElsewhere: ['alice'],
      mainConfig: { path: '/etc/ssh/sshd_config', text: config },
    });
    expect(await readFile(real(PATH))).toEqual(list.krl);
    const st = await stat(real(PATH));
    expect([st.uid, st.mode & 0o777]).toEqual([0, 0o644]);
    // The same list again: nothing to write.
    expect(await writeRevokedKeys(session(), args)).toMatchObject({ written: false });
  });

  it("reports the list sshd uses when the config names one (Keywarden's or another)", async () => {
    const list = await buildKrl([revoked.fingerprint]);
    const args = { krlBase64: list.krl.toString('base64'), sha256: list.sha256 };
    await writeFile(real('/etc/ssh/sshd_config'), `RevokedKeys ${PATH}\n`);
    expect(await writeRevokedKeys(session(), args)).toMatchObject({
      revokedKeys: PATH,
      accountsElsewhere: [],
    });
    await writeFile(real('/etc/ssh/sshd_config'), 'RevokedKeys /etc/ssh/admins_list\n');
    expect(await writeRevokedKeys(session(), args)).toMatchObject({
      revokedKeys: '/etc/ssh/admins_list',
    });
  });
});
