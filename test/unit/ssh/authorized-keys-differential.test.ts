/**
 * The faster authorized_keys parser (issue 19) against the parser it replaced, kept frozen
 * under ./reference: on tricky lines and on mutated files, every line must come out the same
 * (kind, reason, options, comment, offsets, exact bytes, key type, bits, both fingerprints,
 * certificate fields), and ssh-keygen must agree on the fingerprints of the keys it lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseAuthorizedKeys,
  serializeAuthorizedKeys,
  type AuthorizedKeysLine,
} from '../../../shared/ssh/authorized-keys';
import {
  formatKeygenLine,
  parsePublicKey,
  parsePublicKeyBlob,
  parsePublicKeyLine,
  type PublicKey,
} from '../../../shared/ssh/public-key';
import { encodeSshString } from '../../../shared/ssh/ssh-wire';
import { mutatedInputs } from './fuzz';
import {
  generateKey,
  keygenList,
  makeTempDir,
  signKey,
  skEcdsaLine,
  skEd25519Line,
  type TempDir,
} from './keygen';
import * as old from './reference/authorized-keys';
import * as oldKey from './reference/public-key';

let dir: TempDir;
const keys: Record<string, string> = {};

beforeAll(() => {
  dir = makeTempDir();
  keys.ed = generateKey(dir, 'ed', 'ed25519', undefined, 'alice@laptop');
  keys.ec256 = generateKey(dir, 'ec256', 'ecdsa', 256, 'bob');
  keys.ec384 = generateKey(dir, 'ec384', 'ecdsa', 384, 'c d e');
  keys.ec521 = generateKey(dir, 'ec521', 'ecdsa', 521, 'x');
  keys.rsa = generateKey(dir, 'rsa', 'rsa', 1024, 'carol');
  keys.dsa = generateKey(dir, 'dsa', 'dsa', 1024, 'old');
  keys.cert = signKey(dir, 'ed', 'ec256', { id: 'id "q"', principals: ['root', 'a,b'], serial: 7 });
  keys.rsaCert = signKey(dir, 'ec384', 'rsa', { id: 'r', principals: [], serial: 1, host: true });
  const edPoint = Buffer.from(keys.ed.split(' ')[1]!, 'base64').subarray(-32);
  const ecPoint = Buffer.from(keys.ec256.split(' ')[1]!, 'base64').subarray(-65);
  keys.skEd = skEd25519Line(edPoint, 'ssh:', 'sk user');
  keys.skEc = skEcdsaLine(ecPoint, 'ssh:kw', 'sk2');
});
afterAll(() => dir.cleanup());

/** `type base64` of a named key (no comment). */
const bare = (name: string): string => keys[name]!.split(' ').slice(0, 2).join(' ');
const b64 = (name: string): string => keys[name]!.split(' ')[1]!;
const blobOf = (name: string): Buffer => Buffer.from(b64(name), 'base64');

/** Everything a caller can see of a key, MD5 included (read explicitly: it is a getter now). */
function keyView(k: PublicKey) {
  return {
    type: k.type,
    plainType: k.plainType,
    bits: k.bits,
    label: k.label,
    sha256: k.sha256,
    md5: k.md5,
    blob: k.blob.toString('hex'),
    base64: k.base64,
    application: k.application,
    hasApplication: 'application' in k,
    certificate: k.certificate,
  };
}

function lineView(l: AuthorizedKeysLine | old.AuthorizedKeysLine) {
  if (l.kind !== 'key') return { ...l };
  const { key, ...rest } = l;
  return { ...rest, key: keyView(key) };
}

function tricky(): string[] {
  const ed = bare('ed');
  const ec = bare('ec256');
  const truncated = blobOf('rsa').subarray(0, 60).toString('base64');
  const trailing = Buffer.concat([blobOf('ed'), Buffer.from([0])]).toString('base64');
  const mismatch = `ssh-rsa ${b64('ed')}`;
  const unknownInBlob = Buffer.concat([encodeSshString('ssh-foo'), encodeSshString('x')]);
  const nonAscii = Buffer.concat([encodeSshString(Buffer.from([0xe9])), encodeSshString('x')]);
  return [
    `${ed} plain comment`,
    `${ed}`,
    `${ed} `,
    `\t ${ed}\t comment\twith\ttabs `,
    `${ec} comment with   several spaces and trailing   `,
    `command="echo \\"hi\\", there",no-pty ${ed} c`,
    `command="a \\\\" ${ed} odd backslash`,
    `from="10.0.0.0/8,!10.1.*,host.example.com",permitopen="db:5432",NO-PTY ${ec} x`,
    `principals="a,b,c",cert-authority ${ed}`,
    `environment="A=b c",expiry-time="20301231Z" ${ed} e`,
    `restrict,pty,command="x" ${ed}`,
    `no-pty, ${ed}`,
    `,no-pty ${ed}`,
    `no-pty,,no-pty ${ed}`,
    `no-pty,bogus ${ed}`,
    `command=unquoted ${ed}`,
    `command="a",command="b" ${ed}`,
    `permitopen="host:notaport" ${ed}`,
    `command="never closed ${ed}`,
    `from="*" `,
    `from="*"`,
    `from="*" ssh-foo AAAA`,
    `from="*" ${'z'.repeat(200)} AAAA`,
    `ssh-foo ${b64('ed')} unknown type`,
    `ssh-ed25519-foo ${b64('ed')}`,
    `ssh-ed25519`,
    `ssh-ed25519 `,
    `ssh-ed25519 AAAA-not-base64 broken`,
    `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI=== x`,
    `ssh-ed25519 AAA x`,
    `ssh-ed25519 ${b64('ed')}=`,
    `ssh-ed25519 ${b64('ed').slice(0, -4)}`,
    `ssh-rsa ${truncated} truncated blob`,
    `ssh-ed25519 ${trailing} trailing data`,
    `${mismatch} type mismatch`,
    `rsa-sha2-256 ${b64('rsa')} alias`,
    `rsa-sha2-512 ${b64('ed')} alias mismatch`,
    `ssh-ed25519 ${unknownInBlob.toString('base64')}`,
    `ssh-ed25519 ${nonAscii.toString('base64')}`,
    `ssh-ed25519 ${Buffer.from([0, 0, 0, 200]).toString('base64')}`,
    keys.ec384!,
    keys.ec521!,
    keys.rsa!,
    keys.dsa!,
    keys.cert!,
    `cert-authority ${keys.rsaCert}`,
    `ssh-ed25519-cert-v01@openssh.com ${b64('ed')} plain key declared as cert`,
    keys.skEd!,
    `no-touch-required ${keys.skEc}`,
    `${ed} keywarden-managed:auth-1`,
    `${ed} me keywarden-managed`,
    `${ed} keywarden-managedX`,
    `${ed} comment é ünïcode \u0000 nul`,
    '# comment',
    '   # indented comment',
    '',
    ' \t ',
    '\r',
    `${ed} lone cr\r`,
    `${ed}\rinside`,
    `"quoted first word" ${ed}`,
    `no-pty\t${ed}\ttab after options`,
  ];
}

function expectSame(text: string): void {
  const ours = parseAuthorizedKeys(text);
  const theirs = old.parseAuthorizedKeys(text);
  expect(serializeAuthorizedKeys(ours)).toBe(text);
  expect(ours.lines.map(lineView)).toEqual(theirs.lines.map(lineView));
}

describe('parseAuthorizedKeys against the parser it replaced', () => {
  it('reads every tricky line the same way, joined with LF, CRLF and no final newline', () => {
    const lines = tricky();
    for (const l of lines) expectSame(l);
    expectSame(lines.join('\n') + '\n');
    expectSame(lines.join('\r\n') + '\r\n');
    expectSame(lines.join('\r\n'));
    expectSame(lines.join('\n\r\n'));
    const parsed = parseAuthorizedKeys(lines.join('\n'));
    const kinds = new Set(parsed.lines.map((l) => l.kind));
    expect(kinds).toEqual(new Set(['key', 'invalid', 'comment', 'blank']));
    // The corpus reaches the key path for every kind of key, certificates and sk included.
    const labels = new Set(parsed.lines.flatMap((l) => (l.kind === 'key' ? [l.key.label] : [])));
    expect([...labels].sort()).toEqual(
      ['DSA', 'ECDSA', 'ECDSA-CERT', 'ECDSA-SK', 'ED25519', 'ED25519-SK', 'RSA', 'RSA-CERT'].sort(),
    );
  });

  it('reads mutated files the same way', () => {
    const seeds = [...tricky().slice(0, 20), bare('rsa'), keys.cert!, keys.skEc!];
    let keyLines = 0;
    for (const text of mutatedInputs(20261130, seeds, 1500)) {
      expectSame(text);
      keyLines += parseAuthorizedKeys(text).lines.filter((l) => l.kind === 'key').length;
    }
    expect(keyLines).toBeGreaterThan(1000);
  });

  it('gives the same public key results from a blob, two words and a .pub line', () => {
    const view = (r: { ok: true; key: PublicKey } | { ok: false; reason: string }) =>
      r.ok ? { ok: true, key: keyView(r.key) } : r;
    for (const l of tricky()) {
      const theirs = oldKey.parsePublicKeyLine(l);
      const ours = parsePublicKeyLine(l);
      expect(view(ours)).toEqual(view(theirs));
      if (ours.ok && theirs.ok) expect(ours.comment).toBe(theirs.comment);
      const [type = '', data = ''] = l.trim().split(/[ \t]+/);
      expect(view(parsePublicKey(type, data))).toEqual(view(oldKey.parsePublicKey(type, data)));
      const blob = Buffer.from(data, 'base64');
      for (const declared of [undefined, type, '\u00e9']) {
        expect(view(parsePublicKeyBlob(blob, declared))).toEqual(
          view(oldKey.parsePublicKeyBlob(blob, declared)),
        );
      }
    }
  });

  it('prints the SHA256 and MD5 lines ssh-keygen -l prints for the key lines', () => {
    // ssh-keygen -l does not judge options, so it gets only the lines we read as keys.
    const all = parseAuthorizedKeys(tricky().join('\n')).lines;
    const entries = all.flatMap((l) => (l.kind === 'key' ? [l] : []));
    expect(entries.length).toBeGreaterThan(25);
    const text = entries.map((e) => e.raw.replace(/\r$/, '')).join('\n') + '\n';
    // Bits, fingerprint and label: ssh-keygen reads comments after options its own way.
    const fields = (l: string) => {
      const words = l.split(' ');
      return `${words[0]} ${words[1]} ${words[words.length - 1]}`;
    };
    for (const hash of ['sha256', 'md5'] as const) {
      expect(entries.map((e) => fields(formatKeygenLine(e.key, e.comment, hash)))).toEqual(
        keygenList(dir, text, hash).map(fields),
      );
    }
  });

  it('keeps MD5 in the JSON of a key although it is computed on first read', () => {
    const [line] = parseAuthorizedKeys(keys.ed!).lines;
    if (line?.kind !== 'key') throw new Error('not a key line');
    const json = JSON.parse(JSON.stringify(line.key)) as Record<string, unknown>;
    const [theirs] = old.parseAuthorizedKeys(keys.ed!).lines;
    if (theirs?.kind !== 'key') throw new Error('not a key line');
    expect(json.md5).toBe(theirs.key.md5);
    expect(Object.keys(json).sort()).toEqual(
      Object.keys(JSON.parse(JSON.stringify(theirs.key)) as object).sort(),
    );
  });
});
