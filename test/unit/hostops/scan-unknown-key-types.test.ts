import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAuthorizedKeys } from '../../../shared/hostops/scan-authorized-keys';
import { LocalSession } from '../../../shared/session/local-session';
import { encodeSshString } from '../../../shared/ssh/ssh-wire';

/**
 * OpenSSH adds key types (post-quantum ones are coming): a well-formed line whose type this
 * parser does not know is a key of the scan (`knownType: false`, by fingerprint and type
 * name, with its options): an sshd that knows the type uses it. Lines sshd skips whatever
 * the type (declared type not the blob's, bad options) are still reported by fingerprint.
 */
describe('scanning key lines this parser cannot use', () => {
  let root = '';
  const real = (p: string) => join(root, p);
  let pqLine = '';
  let pqFingerprint = '';
  let known = { line: '', fingerprint: '' };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-unknown-types-'));
    const blob = Buffer.concat([
      encodeSshString('ssh-mldsa65-ed25519@openssh.com'),
      encodeSshString(randomBytes(96)),
    ]);
    pqLine = `ssh-mldsa65-ed25519@openssh.com ${blob.toString('base64')} pq`;
    pqFingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'k', '-f', real('k')]);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', real('k.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    known = { line: (await readFile(real('k.pub'), 'utf8')).trim(), fingerprint };
    await mkdir(real('/home/alice/.ssh'), { recursive: true });
    await mkdir(real('/etc/ssh'), { recursive: true });
    await writeFile(real('/etc/passwd'), 'alice:x:1501:1501::/home/alice:/bin/sh\n');
    await writeFile(real('/etc/group'), '');
    await writeFile(real('/etc/ssh/sshd_config'), 'AuthorizedKeysFile .ssh/authorized_keys\n');
    const [type, data] = known.line.split(' ');
    await writeFile(
      real('/home/alice/.ssh/authorized_keys'),
      [
        `restrict ${pqLine}`,
        `ssh-rsa ${data} declared-as-rsa`,
        `no-such-option ${type} ${data}`,
        'garbage without a key',
        // Bad options: sshd skips it whatever it knows of the type.
        `no-such-option ${pqLine}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('keeps a key of an unknown type as a key, and reports each skipped line by fingerprint', async () => {
    const scan = await scanAuthorizedKeys(new LocalSession({ rootPrefix: root }));
    expect(scan.keys).toEqual([
      {
        account: 'alice',
        file: '/home/alice/.ssh/authorized_keys',
        line: 1,
        options: [{ name: 'restrict' }],
        type: 'ssh-mldsa65-ed25519@openssh.com',
        bits: 0,
        fingerprint: pqFingerprint,
        md5: expect.stringMatching(/^MD5:/),
        comment: 'pq',
        managed: false,
        knownType: false,
      },
    ]);
    expect(
      scan.invalidLines.map(({ line, fingerprint, keyType }) => ({ line, fingerprint, keyType })),
    ).toEqual([
      { line: 2, fingerprint: known.fingerprint, keyType: 'ssh-ed25519' },
      { line: 3, fingerprint: known.fingerprint, keyType: 'ssh-ed25519' },
      { line: 4, fingerprint: undefined, keyType: undefined },
      { line: 5, fingerprint: pqFingerprint, keyType: 'ssh-mldsa65-ed25519@openssh.com' },
    ]);
    expect(scan.invalidLines[3]?.reason).toMatch(/unknown key type/);
  });
});
