// Frozen copy of shared/ssh/public-key.ts as of d441a07 (before the issue 19 parser rewrite): the
// reference the differential test compares the current parser with. Do not edit.

/**
 * OpenSSH public keys: the `type base64 [comment]` text of .pub and authorized_keys lines,
 * the blob inside, and what `ssh-keygen -l` says about it.
 *
 * Exports:
 * - `PublicKey`: type, plain type, bits, label, SHA256/MD5 fingerprints, blob, certificate.
 * - `parsePublicKeyBlob(blob, declaredType?)`: `{ ok: true, key }` or `{ ok: false, reason }`.
 * - `parsePublicKey(declaredType, base64)`: the same from the two text words.
 * - `parsePublicKeyLine(line)`: a whole `.pub` line; adds `comment`. Never throws.
 * - `formatKeygenLine(key, comment, hash?)`: the line `ssh-keygen -l [-E md5] -f` prints.
 * Re-exported from key-types: `fingerprintSha256`, `fingerprintMd5`, `isKeyTypeName`.
 *
 * Certificates report the certified key: bits, SHA256 and MD5 are those of the underlying
 * plain key, exactly as ssh-keygen and sshd's logs print them; the certificate's own
 * fields (key id, principals, validity, serial, CA fingerprint) are in `certificate`.
 */
import { readCertificateFields, type CertificateInfo } from './certificate';
import { readKeyFields } from '../../../../shared/ssh/key-fields';
import {
  fingerprintMd5,
  fingerprintSha256,
  isCertTypeName,
  keygenTypeLabel,
  plainTypeOf,
  type PlainKeyType,
} from './key-types';
import { encodeSshString, SshWireReader } from '../../../../shared/ssh/ssh-wire';

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

export function parsePublicKeyBlob(
  blob: Buffer,
  declaredType?: string,
  base64?: string,
): PublicKeyResult {
  const r = new SshWireReader(blob);
  const type = r.text();
  if (type === undefined) return { ok: false, reason: 'truncated blob: no key type' };
  const plainType = plainTypeOf(type);
  if (plainType === undefined || isRsaAlias(type)) {
    return { ok: false, reason: `unknown key type ${JSON.stringify(type)} in blob` };
  }
  if (declaredType !== undefined && declaredType !== type) {
    if (!(isRsaAlias(declaredType) && type === 'ssh-rsa')) {
      return {
        ok: false,
        reason: `key type ${declaredType} does not match the blob's type ${type}`,
      };
    }
  }
  const isCert = isCertTypeName(type);
  if (isCert && r.bytes() === undefined)
    return { ok: false, reason: 'truncated certificate nonce' };
  const keyStart = r.offset;
  const fields = readKeyFields(r, plainType);
  if ('reason' in fields) return { ok: false, reason: fields.reason };
  const keyEnd = r.offset;
  let certificate: CertificateInfo | undefined;
  let plainBlob = blob;
  if (isCert) {
    const cert = readCertificateFields(r);
    if ('reason' in cert) return { ok: false, reason: cert.reason };
    certificate = cert;
    plainBlob = Buffer.concat([encodeSshString(plainType), blob.subarray(keyStart, keyEnd)]);
  } else if (r.remaining !== 0) {
    return { ok: false, reason: `${r.remaining} bytes of trailing data after the key` };
  }
  const key: PublicKey = {
    type,
    plainType,
    bits: fields.bits,
    label: keygenTypeLabel(plainType, isCert),
    sha256: fingerprintSha256(plainBlob),
    md5: fingerprintMd5(plainBlob),
    blob,
    base64: base64 ?? blob.toString('base64'),
  };
  if (fields.application !== undefined) key.application = fields.application;
  if (certificate) key.certificate = certificate;
  return { ok: true, key };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parsePublicKey(declaredType: string, base64: string): PublicKeyResult {
  if (plainTypeOf(declaredType) === undefined) {
    return { ok: false, reason: `unknown key type ${JSON.stringify(declaredType.slice(0, 64))}` };
  }
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) {
    return { ok: false, reason: 'key data is not valid base64' };
  }
  return parsePublicKeyBlob(Buffer.from(base64, 'base64'), declaredType, base64);
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
