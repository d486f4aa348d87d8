/**
 * OpenSSH public keys: the `type base64 [comment]` text of .pub and authorized_keys lines,
 * the blob inside, and what `ssh-keygen -l` says about it.
 *
 * Exports:
 * - `PublicKey`: type, plain type, bits, label, SHA256/MD5 fingerprints, blob, certificate.
 * - `parsePublicKeyBlob(blob, declaredType?)`: `{ ok: true, key }` or `{ ok: false, reason }`.
 * - `parsePublicKey(declaredType, base64)`: the same from the two text words.
 * - `readPublicKey(declaredType, base64, checked?)`: the key or the reason, no result object.
 * - `parsePublicKeyLine(line)`: a whole `.pub` line; adds `comment`. Never throws.
 * - `formatKeygenLine(key, comment, hash?)`: the line `ssh-keygen -l [-E md5] -f` prints.
 * Re-exported from key-types: `fingerprintSha256`, `fingerprintMd5`, `isKeyTypeName`.
 * The MD5 fingerprint of a parsed key is computed when first read (see `ParsedPublicKey`).
 *
 * Certificates report the certified key: bits, SHA256 and MD5 are those of the underlying
 * plain key, exactly as ssh-keygen and sshd's logs print them; the certificate's own
 * fields (key id, principals, validity, serial, CA fingerprint) are in `certificate`.
 */
import { readCertificateFields, type CertificateInfo } from './certificate';
import { readKeyFields } from './key-fields';
import {
  fingerprintMd5,
  fingerprintSha256,
  isCertTypeName,
  keygenTypeLabel,
  plainTypeOf,
  type PlainKeyType,
} from './key-types';
import { encodeSshString, SshWireReader } from './ssh-wire';

export { fingerprintMd5, fingerprintSha256, isKeyTypeName } from './key-types';
export type { CertificateInfo } from './certificate';

export interface PublicKey {
  /** The type name embedded in the blob, e.g. `ssh-ed25519-cert-v01@openssh.com`. */
  type: string;
  /** The key type underneath a certificate (same as `type` for plain keys). */
  plainType: PlainKeyType;
  /** RSA modulus bits, DSA p bits, ECDSA curve size, 256 for Ed25519 and security keys. */
  bits: number;
  /** ssh-keygen's label: `RSA`, `ED25519-SK`, `ECDSA-CERT`... */
  label: string;
  sha256: string;
  md5: string;
  /** The blob exactly as found (for certificates, the whole certificate). */
  blob: Buffer;
  /** The base64 text of `blob` as it appeared on the line. */
  base64: string;
  /** FIDO application string of `sk-` keys (usually `ssh:`). */
  application?: string;
  certificate?: CertificateInfo;
}

export type PublicKeyResult = { ok: true; key: PublicKey } | { ok: false; reason: string };
export type PublicKeyLineResult =
  { ok: true; key: PublicKey; comment: string } | { ok: false; reason: string };

const isRsaAlias = (name: string): boolean => name.startsWith('rsa-sha2-');

/**
 * A parsed key. MD5 is computed the first time it is read: most callers only need SHA256,
 * and hashing every key twice was a fifth of the parse time of a large authorized_keys file.
 * `md5` is a getter on the prototype, so `{ ...key }` does not copy it (read it explicitly);
 * JSON.stringify does include it (toJSON).
 */
class ParsedPublicKey implements PublicKey {
  declare application?: string;
  declare certificate?: CertificateInfo;
  #md5: string | undefined;
  readonly #plainBlob: Buffer;

  constructor(
    public type: string,
    public plainType: PlainKeyType,
    public bits: number,
    public label: string,
    public sha256: string,
    public blob: Buffer,
    public base64: string,
    plainBlob: Buffer,
  ) {
    this.#plainBlob = plainBlob;
  }

  get md5(): string {
    return (this.#md5 ??= fingerprintMd5(this.#plainBlob));
  }

  toJSON(): PublicKey {
    return { ...this, md5: this.md5 };
  }
}

/** True when the blob's first SSH string is exactly `name` (an ASCII key type name). */
function blobStartsWithName(blob: Buffer, name: string): boolean {
  const len = name.length;
  if (blob.length < 4 + len || blob.readUInt32BE(0) !== len) return false;
  for (let i = 0; i < len; i++) {
    const c = name.charCodeAt(i);
    // Non-ASCII: leave it to the UTF-8 decoder, which may read the bytes differently.
    if (c >= 128 || blob[4 + i] !== c) return false;
  }
  return true;
}

/** The key, or why it is not one. The one implementation behind the parse functions below. */
function readPublicKeyBlob(
  blob: Buffer,
  declaredType: string | undefined,
  base64: string | undefined,
): PublicKey | string {
  const r = new SshWireReader(blob);
  let type: string | undefined;
  if (declaredType !== undefined && blobStartsWithName(blob, declaredType)) {
    // The usual case: the blob names the declared type. Reuse that string, no decoding.
    type = declaredType;
    r.offset = 4 + declaredType.length;
  } else {
    type = r.text();
  }
  if (type === undefined) return 'truncated blob: no key type';
  const plainType = plainTypeOf(type);
  if (plainType === undefined || isRsaAlias(type)) {
    return `unknown key type ${JSON.stringify(type)} in blob`;
  }
  if (declaredType !== undefined && declaredType !== type) {
    if (!(isRsaAlias(declaredType) && type === 'ssh-rsa')) {
      return `key type ${declaredType} does not match the blob's type ${type}`;
    }
  }
  const isCert = isCertTypeName(type);
  if (isCert && r.bytes() === undefined) return 'truncated certificate nonce';
  const keyStart = r.offset;
  const fields = readKeyFields(r, plainType);
  if ('reason' in fields) return fields.reason;
  const keyEnd = r.offset;
  let certificate: CertificateInfo | undefined;
  let plainBlob = blob;
  if (isCert) {
    const cert = readCertificateFields(r);
    if ('reason' in cert) return cert.reason;
    certificate = cert;
    plainBlob = Buffer.concat([encodeSshString(plainType), blob.subarray(keyStart, keyEnd)]);
  } else if (r.remaining !== 0) {
    return `${r.remaining} bytes of trailing data after the key`;
  }
  const key = new ParsedPublicKey(
    type,
    plainType,
    fields.bits,
    keygenTypeLabel(plainType, isCert),
    fingerprintSha256(plainBlob),
    blob,
    base64 ?? blob.toString('base64'),
    plainBlob,
  );
  if (fields.application !== undefined) key.application = fields.application;
  if (certificate) key.certificate = certificate;
  return key;
}

const result = (key: PublicKey | string): PublicKeyResult =>
  typeof key === 'string' ? { ok: false, reason: key } : { ok: true, key };

export function parsePublicKeyBlob(
  blob: Buffer,
  declaredType?: string,
  base64?: string,
): PublicKeyResult {
  return result(readPublicKeyBlob(blob, declaredType, base64));
}

/** Base64 alphabet as a lookup table: one pass over the text instead of a regex. */
const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  B64[c.charCodeAt(0)] = 1;
}

/** What `/^[A-Za-z0-9+/]*={0,2}$/` with a non-zero length that is a multiple of 4 accepts. */
function isCanonicalBase64(text: string): boolean {
  const len = text.length;
  if (len === 0 || len % 4 !== 0) return false;
  let end = len;
  if (text.charCodeAt(end - 1) === 61) end--;
  if (text.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || B64[c] === 0) return false;
  }
  return true;
}

/**
 * `parsePublicKey` without the result wrapper: the key, or the reason it is not one.
 * `base64Checked`: the caller already checked `base64` the way `isCanonicalBase64` does.
 */
export function readPublicKey(
  declaredType: string,
  base64: string,
  base64Checked = false,
): PublicKey | string {
  if (plainTypeOf(declaredType) === undefined) {
    return `unknown key type ${JSON.stringify(declaredType.slice(0, 64))}`;
  }
  if (!base64Checked && !isCanonicalBase64(base64)) return 'key data is not valid base64';
  return readPublicKeyBlob(Buffer.from(base64, 'base64'), declaredType, base64);
}

export function parsePublicKey(declaredType: string, base64: string): PublicKeyResult {
  return result(readPublicKey(declaredType, base64));
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/**
 * Splits `type base64 comment` the way OpenSSH's key reader does: words separated by spaces
 * or tabs, leading blanks skipped, the comment is the rest after the blanks that follow the key.
 */
export function splitKeyWords(
  text: string,
  from = 0,
): { type: string; data: string; rest: number } {
  let i = from;
  while (isBlank(text[i])) i++;
  const typeStart = i;
  while (i < text.length && !isBlank(text[i])) i++;
  const type = text.slice(typeStart, i);
  while (isBlank(text[i])) i++;
  const dataStart = i;
  while (i < text.length && !isBlank(text[i])) i++;
  const data = text.slice(dataStart, i);
  while (isBlank(text[i])) i++;
  return { type, data, rest: i };
}

export function parsePublicKeyLine(line: string): PublicKeyLineResult {
  const text = line.replace(/\r?\n$/, '').replace(/\r$/, '');
  const { type, data, rest } = splitKeyWords(text);
  if (type === '') return { ok: false, reason: 'empty line' };
  if (data === '') return { ok: false, reason: 'no key data after the key type' };
  const parsed = parsePublicKey(type, data);
  if (!parsed.ok) return parsed;
  return { ok: true, key: parsed.key, comment: text.slice(rest) };
}

/** `256 SHA256:... comment (ED25519)`: what `ssh-keygen -l [-E md5] -f FILE` prints per key. */
export function formatKeygenLine(
  key: PublicKey,
  comment: string,
  hash: 'sha256' | 'md5' = 'sha256',
): string {
  const fp = hash === 'md5' ? key.md5 : key.sha256;
  return `${key.bits} ${fp} ${comment === '' ? 'no comment' : comment} (${key.label})`;
}
