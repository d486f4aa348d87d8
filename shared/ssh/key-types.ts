/**
 * The public key types OpenSSH 9 accepts, and the fingerprints `ssh-keygen -l` prints.
 *
 * Exports:
 * - `PLAIN_KEY_TYPES`, `CERT_KEY_TYPES`, `PlainKeyType`, `CertKeyType`, `KeyTypeName`.
 * - `isKeyTypeName(name)`: the declared names a key line may start with.
 * - `keyTypeNameAt(text, start, end)`: the same test on part of a string, without slicing it.
 * - `plainTypeOf(name)`: the underlying key type of a certificate type (or alias).
 * - `keygenTypeLabel(type)`: the label in parentheses of `ssh-keygen -l` (`ED25519`, `RSA-CERT`).
 * - `fingerprintSha256(blob)`, `fingerprintMd5(blob)`: `SHA256:...` and `MD5:aa:bb:...`.
 */
import { hash } from 'node:crypto';

export const PLAIN_KEY_TYPES = [
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-ed25519',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'sk-ssh-ed25519@openssh.com',
] as const;
export type PlainKeyType = (typeof PLAIN_KEY_TYPES)[number];

const CERT_SUFFIX = '-cert-v01@openssh.com';
const certName = (t: PlainKeyType): string =>
  t.endsWith('@openssh.com') ? t.replace('@openssh.com', CERT_SUFFIX) : `${t}${CERT_SUFFIX}`;

export const CERT_KEY_TYPES: readonly string[] = PLAIN_KEY_TYPES.map(certName);
export type CertKeyType = string;
export type KeyTypeName = PlainKeyType | CertKeyType;

/**
 * `rsa-sha2-256`/`rsa-sha2-512` are signature algorithm names that OpenSSH's key reader also
 * accepts as the type word of an RSA key line (ssh-keygen -l lists such lines), so we do too.
 */
const RSA_SIGNATURE_ALIASES = new Set(['rsa-sha2-256', 'rsa-sha2-512']);

const PLAIN_OF = new Map<string, PlainKeyType>();
for (const t of PLAIN_KEY_TYPES) {
  PLAIN_OF.set(t, t);
  PLAIN_OF.set(certName(t), t);
}
for (const a of RSA_SIGNATURE_ALIASES) PLAIN_OF.set(a, 'ssh-rsa');

export function isKeyTypeName(name: string): boolean {
  return PLAIN_OF.has(name);
}

/** Every name `isKeyTypeName` accepts, by length, for `keyTypeNameAt`. */
const NAMES_BY_LENGTH = new Map<number, string[]>();
for (const name of PLAIN_OF.keys()) {
  NAMES_BY_LENGTH.set(name.length, [...(NAMES_BY_LENGTH.get(name.length) ?? []), name]);
}

/**
 * The key type name that `text` holds from `start` to `end`, as the canonical string
 * (`isKeyTypeName(text.slice(start, end))` without making the slice), or undefined.
 */
export function keyTypeNameAt(text: string, start: number, end: number): string | undefined {
  const names = NAMES_BY_LENGTH.get(end - start);
  if (names === undefined) return undefined;
  for (const name of names) if (text.startsWith(name, start)) return name;
  return undefined;
}

export function isCertTypeName(name: string): boolean {
  return name.endsWith(CERT_SUFFIX) && PLAIN_OF.has(name);
}

export function plainTypeOf(name: string): PlainKeyType | undefined {
  return PLAIN_OF.get(name);
}

const LABELS: Record<PlainKeyType, string> = {
  'ssh-rsa': 'RSA',
  'ssh-dss': 'DSA',
  'ecdsa-sha2-nistp256': 'ECDSA',
  'ecdsa-sha2-nistp384': 'ECDSA',
  'ecdsa-sha2-nistp521': 'ECDSA',
  'ssh-ed25519': 'ED25519',
  'sk-ecdsa-sha2-nistp256@openssh.com': 'ECDSA-SK',
  'sk-ssh-ed25519@openssh.com': 'ED25519-SK',
};

/** The short label ssh-keygen and sshd's logs use: `ED25519`, `ECDSA-SK`, `RSA-CERT`. */
export function keygenTypeLabel(plain: PlainKeyType, certificate: boolean): string {
  return certificate ? `${LABELS[plain]}-CERT` : LABELS[plain];
}

/** `SHA256:` + unpadded base64 of sha256(blob), as `ssh-keygen -l -E sha256` prints it. */
export function fingerprintSha256(blob: Uint8Array): string {
  // One-shot hash: no Hash object per key. 32 bytes are 44 base64 chars, the last one `=`.
  return 'SHA256:' + hash('sha256', blob, 'base64').slice(0, 43);
}

const HEX = '0123456789abcdef';
/** Scratch for `fingerprintMd5`: `MD5:` + 16 hex pairs + 15 colons. */
const MD5_TEXT = Buffer.alloc(51);
MD5_TEXT.write('MD5:', 'latin1');

/** `MD5:` + colon-separated lowercase hex pairs, as `ssh-keygen -l -E md5` prints it. */
export function fingerprintMd5(blob: Uint8Array): string {
  // Written into a scratch buffer and read back once: one flat string, not a chain of
  // concatenations kept alive for as long as the key is.
  const digest = hash('md5', blob, 'buffer');
  let o = 4;
  for (let i = 0; i < 16; i++) {
    if (i > 0) MD5_TEXT[o++] = 58;
    const b = digest[i] ?? 0;
    MD5_TEXT[o++] = HEX.charCodeAt(b >> 4);
    MD5_TEXT[o++] = HEX.charCodeAt(b & 15);
  }
  return MD5_TEXT.toString('latin1', 0, o);
}
