import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatKeygenLine,
  parsePublicKey,
  parsePublicKeyBlob,
  parsePublicKeyLine,
} from '../../../shared/ssh/public-key';
import { encodeSshString } from '../../../shared/ssh/ssh-wire';
import {
  generateKey,
  keygenList,
  makeTempDir,
  signKey,
  skEcdsaLine,
  skEd25519Line,
  type TempDir,
} from './keygen';

let dir: TempDir;
/** name -> .pub line, for every key type OpenSSH 9 accepts. */
const lines = new Map<string, string>();

beforeAll(() => {
  dir = makeTempDir();
  const specs: [string, string, number?][] = [
    ['rsa1024', 'rsa', 1024],
    ['rsa2048', 'rsa', 2048],
    ['rsa3072', 'rsa', 3072],
    ['dsa', 'dsa'],
    ['ecdsa256', 'ecdsa', 256],
    ['ecdsa384', 'ecdsa', 384],
    ['ecdsa521', 'ecdsa', 521],
    ['ed25519', 'ed25519'],
  ];
  for (const [name, type, bits] of specs) lines.set(name, generateKey(dir, name, type, bits));
  // Security keys need hardware to generate; their public blobs are plain data, so build
  // them from real key material and let ssh-keygen judge them.
  const ed = Buffer.from(lines.get('ed25519')!.split(' ')[1]!, 'base64');
  lines.set('sk-ed25519', skEd25519Line(ed.subarray(ed.length - 32), 'ssh:', 'sk ed25519 key'));
  const ec = Buffer.from(lines.get('ecdsa256')!.split(' ')[1]!, 'base64');
  lines.set('sk-ecdsa', skEcdsaLine(ec.subarray(ec.length - 65), 'ssh:kw', 'sk ecdsa key'));
  for (const sk of ['sk-ed25519', 'sk-ecdsa']) {
    execFileSync('sh', ['-c', `cat > ${dir.file(`${sk}.pub`)}`], { input: lines.get(sk)! + '\n' });
  }
  lines.set('ca', generateKey(dir, 'ca', 'ed25519', undefined, 'the ca'));
  const certified = ['rsa2048', 'dsa', 'ecdsa384', 'ed25519', 'sk-ed25519', 'sk-ecdsa'];
  certified.forEach((name, i) => {
    const cert = signKey(dir, 'ca', name, {
      id: `cert of ${name}`,
      principals: ['alice', 'bob'],
      serial: 1000 + i,
      validity: '20300101000000Z:20300201123000Z',
    });
    lines.set(`${name}-cert`, cert);
  });
});

afterAll(() => dir.cleanup());

describe('parsePublicKeyLine against ssh-keygen -l', () => {
  it('prints the same line as ssh-keygen -l -E sha256 and -E md5 for every key type', () => {
    const all = [...lines.values()];
    expect(all).toHaveLength(17);
    for (const hash of ['sha256', 'md5'] as const) {
      const expected = keygenList(dir, all.join('\n') + '\n', hash);
      const ours = all.map((l) => {
        const r = parsePublicKeyLine(l);
        if (!r.ok) throw new Error(`${l.slice(0, 40)}: ${r.reason}`);
        return formatKeygenLine(r.key, r.comment, hash);
      });
      expect(ours).toEqual(expected);
    }
  });

  it('reports type, bits and labels users see', () => {
    const get = (n: string) => {
      const r = parsePublicKeyLine(lines.get(n)!);
      if (!r.ok) throw new Error(r.reason);
      return r.key;
    };
    expect([get('rsa3072').bits, get('dsa').bits, get('ecdsa521').bits]).toEqual([3072, 1024, 521]);
    expect(get('sk-ecdsa')).toMatchObject({
      type: 'sk-ecdsa-sha2-nistp256@openssh.com',
      bits: 256,
      label: 'ECDSA-SK',
      application: 'ssh:kw',
    });
    const cert = get('sk-ed25519-cert');
    expect(cert).toMatchObject({
      type: 'sk-ssh-ed25519-cert-v01@openssh.com',
      plainType: 'sk-ssh-ed25519@openssh.com',
      label: 'ED25519-SK-CERT',
      sha256: get('sk-ed25519').sha256,
    });
  });

  it('reads certificate id, principals, serial, validity and the CA fingerprint', () => {
    const r = parsePublicKeyLine(lines.get('ecdsa384-cert')!);
    if (!r.ok) throw new Error(r.reason);
    const [caLine] = keygenList(dir, lines.get('ca')!);
    expect(r.key.certificate).toMatchObject({
      keyId: 'cert of ecdsa384',
      principals: ['alice', 'bob'],
      serial: '1002',
      kind: 'user',
      validAfterMs: Date.UTC(2030, 0, 1),
      validBeforeMs: Date.UTC(2030, 1, 1, 12, 30),
      signatureKeyType: 'ssh-ed25519',
      caSha256: caLine!.split(' ')[1],
    });
    expect(r.key.certificate?.extensions).toContain('permit-pty');
  });
});

describe('rejections', () => {
  const blobOf = (n: string) => Buffer.from(lines.get(n)!.split(' ')[1]!, 'base64');

  it('rejects a declared type that disagrees with the blob, as ssh-keygen does', () => {
    const line = `ssh-rsa ${blobOf('ed25519').toString('base64')} x`;
    expect(parsePublicKeyLine(line)).toEqual({
      ok: false,
      reason: "key type ssh-rsa does not match the blob's type ssh-ed25519",
    });
    expect(() => keygenList(dir, line + '\n')).toThrow();
    const ec = `ecdsa-sha2-nistp384 ${blobOf('ecdsa256').toString('base64')}`;
    expect(parsePublicKeyLine(ec).ok).toBe(false);
  });

  it('rejects every truncation and trailing data of every key type without throwing', () => {
    for (const [name, line] of lines) {
      const [type, b64] = line.split(' ') as [string, string];
      const blob = Buffer.from(b64, 'base64');
      for (let len = 0; len < blob.length; len++) {
        const r = parsePublicKey(type, blob.subarray(0, len).toString('base64'));
        expect(r.ok, `${name} truncated to ${len}`).toBe(false);
      }
      const longer = Buffer.concat([blob, Buffer.from([0])]).toString('base64');
      expect(parsePublicKey(type, longer).ok, `${name} + trailing byte`).toBe(false);
    }
  });

  it('rejects invalid base64 and names the reason', () => {
    expect(parsePublicKey('ssh-ed25519', 'AAAA*AAA')).toEqual({
      ok: false,
      reason: 'key data is not valid base64',
    });
    expect(parsePublicKeyLine('ssh-ed25519')).toEqual({
      ok: false,
      reason: 'no key data after the key type',
    });
    expect(parsePublicKeyLine('ssh-foo AAAA').ok).toBe(false);
  });

  it('rejects a wrong-sized Ed25519 key and a compressed EC point', () => {
    const ed = Buffer.concat([encodeSshString('ssh-ed25519'), encodeSshString(Buffer.alloc(31))]);
    expect(parsePublicKeyBlob(ed)).toEqual({
      ok: false,
      reason: 'Ed25519 public key of 31 bytes, not 32',
    });
    const ec = Buffer.concat([
      encodeSshString('ecdsa-sha2-nistp256'),
      encodeSshString('nistp256'),
      encodeSshString(Buffer.alloc(33, 2)),
    ]);
    expect(parsePublicKeyBlob(ec).ok).toBe(false);
  });
});
