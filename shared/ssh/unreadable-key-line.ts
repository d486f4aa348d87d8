/**
 * The key on an authorized_keys line that cannot be used (unknown key type, declared type not
 * the blob's, bad options), when the line still holds a decodable key blob: so a key of a
 * type a newer OpenSSH added (post-quantum, say) is reported by its SHA256 fingerprint
 * instead of vanishing as "invalid".
 *
 * Exports:
 * - `keyOfUnreadableLine(raw)`: `{ fingerprint, keyType }` or null when no blob is there.
 */
import { skipOptionsField } from './authorized-key-options';
import { fingerprintSha256 } from './key-types';
import { parsePublicKeyBlob, splitKeyWords } from './public-key';
import { SshWireReader } from './ssh-wire';

/** The first word (bare, or after the options field) that is base64 of a typed SSH blob. */
function blobOf(text: string): { type: string; blob: Buffer } | undefined {
  const tryAt = (from: number) => {
    const w = splitKeyWords(text, from);
    if (w.data === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(w.data)) return undefined;
    const blob = Buffer.from(w.data, 'base64');
    const type = new SshWireReader(blob).text();
    return type !== undefined && /^[\x21-\x7e]{1,64}$/.test(type) ? { type, blob } : undefined;
  };
  let start = 0;
  while (text[start] === ' ' || text[start] === '\t') start++;
  const bare = tryAt(start);
  if (bare) return bare;
  const end = skipOptionsField(text, start);
  return end === undefined ? undefined : tryAt(end);
}

export function keyOfUnreadableLine(raw: string): { fingerprint: string; keyType: string } | null {
  const found = blobOf(raw.replace(/\r$/, ''));
  if (!found) return null;
  const parsed = parsePublicKeyBlob(found.blob);
  // A known type: the fingerprint ssh-keygen prints (a certificate's is its key's).
  if (parsed.ok) return { fingerprint: parsed.key.sha256, keyType: parsed.key.type };
  return { fingerprint: fingerprintSha256(found.blob), keyType: found.type };
}
