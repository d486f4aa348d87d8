/**
 * The certificate checks the gateway makes before a person is let in with one, on
 * certificates ssh-keygen made: what the real ssh client cannot send (it checks the CA's
 * signature itself before offering a certificate) is tested here, against the functions.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import sshpk from 'sshpk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeCertificate } from '../../../controller/gateway/certificate-login';
import { certificateSignatureValid } from '../../../controller/gateway/certificate-signatures';
import { krlCheck } from '../../../controller/gateway/revoked-credential';
import { parseTrustedCas, type TrustedCa } from '../../../controller/gateway/trusted-user-cas';
import type { PersonRecord } from '../../../controller/store/directory-records';
import type { Store } from '../../../controller/store/store';
import type { CertificateInfo, PublicKey } from '../../../shared/ssh/public-key';
import { parsePublicKeyLine } from '../../../shared/ssh/public-key';

const run = promisify(execFile);
const person = (uid: string): PersonRecord => ({
  id: `p-${uid}`,
  directoryId: uid,
  dn: `uid=${uid}`,
  uid,
  name: uid,
  email: null,
  state: 'active',
  keys: [],
  groups: [],
  createdAt: 0,
  updatedAt: 0,
  leftAt: null,
});
const people = [person('jay'), person('kim'), person('kim2')];
const store = {
  inventory: { blacklist: { get: () => Promise.resolve(null) } },
  directory: { listPeople: () => Promise.resolve(people) },
} as unknown as Pick<Store, 'inventory' | 'directory'>;
const deps = { store, krlFile: undefined, log: pino({ level: 'silent' }) };

type Cert = PublicKey & { certificate: CertificateInfo };
const asCert = (line: string): Cert => {
  const parsed = parsePublicKeyLine(line);
  if (!parsed.ok || !parsed.key.certificate) throw new Error(`not a certificate: ${line}`);
  return parsed.key as Cert;
};

describe('a certificate as the credential at the gateway', () => {
  let dir = '';
  let cas: Map<string, TrustedCa>;
  let n = 0;
  /** A fresh key certified by the trusted CA; returns the certificate and the private key. */
  async function certify(signArgs: string[]): Promise<{ cert: Cert; privateKey: string }> {
    const path = join(dir, `k${++n}`);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    await run('ssh-keygen', ['-q', '-s', join(dir, 'ca'), '-I', `id-${n}`, ...signArgs, path]);
    return {
      cert: asCert(await readFile(`${path}-cert.pub`, 'utf8')),
      privateKey: await readFile(path, 'utf8'),
    };
  }
  const judge = (cert: Cert, address = '127.0.0.1') =>
    judgeCertificate(deps, cas, cert, address, Date.now());

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kw-cert-login-'));
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ca')]);
    cas = parseTrustedCas('cas', `# the user CA\n${await readFile(join(dir, 'ca.pub'), 'utf8')}`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('maps a valid certificate to the person whose uid is a principal', async () => {
    const { cert } = await certify(['-n', 'jay,nobody', '-z', '9', '-V', '-5m:+1h']);
    const v = await judge(cert);
    expect(v.ok && v.person.uid).toBe('jay');
    expect(v.ok && v.summary).toMatchObject({
      keyId: 'id-1',
      serial: '9',
      principals: ['jay', 'nobody'],
    });
  });

  it('refuses a certificate rewritten after signing (a principal changed): the CA signature is checked, not only the CA key named inside', async () => {
    const { cert } = await certify(['-n', 'jaz', '-V', '-5m:+1h']);
    const blob = Buffer.from(cert.blob);
    const at = blob.indexOf('jaz');
    blob.write('jay', at);
    const forged = asCert(`${cert.type} ${blob.toString('base64')}`);
    expect(forged.certificate.principals).toEqual(['jay']);
    expect(forged.certificate.caSha256).toBe(cert.certificate.caSha256);
    const v = await judge(forged);
    expect(v.ok ? '' : v.reason).toBe(
      `certificate "id-2" (serial 0) refused: its CA signature does not verify`,
    );
  });

  it('refuses force-command, verify-required and unknown critical options, no principals, and principals naming two people', async () => {
    const cases: [string[], string][] = [
      [
        ['-n', 'jay', '-O', 'force-command=/bin/true'],
        'critical option force-command is not supported',
      ],
      [['-n', 'jay', '-O', 'verify-required'], 'critical option verify-required is not supported'],
      [
        ['-n', 'jay', '-O', 'critical:x@example.com'],
        'critical option x@example.com is not supported',
      ],
      [[], 'lacks principal list'],
      [['-n', 'kim,kim2'], 'its principals name more than one person (kim, kim2)'],
      [['-n', 'jay', '-V', '+1h:+2h'], 'not yet valid'],
      [
        ['-n', 'jay', '-O', 'source-address=10.0.0.0/8'],
        "source 127.0.0.1 not permitted by the certificate's source-address",
      ],
    ];
    for (const [args, why] of cases) {
      const { cert } = await certify(['-V', '-5m:+1h', ...args]);
      const v = await judge(cert);
      expect(v.ok ? `accepted with ${args.join(' ')}` : v.reason).toContain(why);
    }
  });

  it("verifies the person's session signature with the certified key, whatever its first byte", async () => {
    const data = Buffer.from('session id and userauth request');
    // Eight keys: an Ed25519 key starts with a byte of 0x80 or more half of the time.
    for (let i = 0; i < 8; i++) {
      const { cert, privateKey } = await certify(['-n', 'jay']);
      const signer = sshpk.parsePrivateKey(privateKey, 'ssh').createSign('sha512');
      signer.update(data);
      const signature = signer.sign().toBuffer('ssh');
      expect(certificateSignatureValid(cert, data, signature)).toBe(true);
      expect(certificateSignatureValid(cert, Buffer.from('another session'), signature)).toBe(
        false,
      );
    }
  });

  it('says which line of the CA file is wrong, and which revocation list cannot be read', async () => {
    expect(() => parseTrustedCas('/etc/cas', '# comment\nssh-ed25519 not-base64!\n')).toThrow(
      /KEYWARDEN_GATEWAY_TRUSTED_USER_CA_KEYS=\/etc\/cas line 2: not an OpenSSH public key/,
    );
    const { cert } = await certify(['-n', 'jay']);
    expect(() => parseTrustedCas('/etc/cas', `${cert.type} ${cert.base64}\n`)).toThrow(
      /line 1: a certificate, not a CA public key/,
    );
    const notAList = join(dir, 'ca.pub');
    expect(await krlCheck(notAList, `${cert.type} ${cert.base64}`)).toMatchObject({
      error: expect.stringMatching(/KRL/) as unknown,
    });
    const refused = await judgeCertificate(
      { ...deps, krlFile: notAList },
      cas,
      cert,
      '127.0.0.1',
      Date.now(),
    );
    expect(refused.ok ? '' : refused.reason).toContain(
      "the gateway's revocation list cannot be read",
    );
  });
});
