/**
 * The key on an authorized_keys line that cannot be used (unknown key type, declared type not
 * the blob's, bad options), when the line still holds a decodable key blob: so a key of a
 * type a newer OpenSSH added (post-quantum, say) is reported by its SHA256 fingerprint
 * instead of vanishing as "invalid".
 *
 * Exports:
 * - `keyOfUnreadableLine(raw)`: `{ fingerprint, keyType }` or null when no blob is there.
 * - `UnknownTypeKeyLine`, `unknownTypeKeyLine(raw)`: a line that is a well-formed key line of
 *   a type this parser does not know (declared type = the blob's, options that parse): an
 *   sshd whose OpenSSH knows the type reads it as any other key line, so it is a key of the
 *   inventory, with its options and comment; null for anything else.
 */
import {
  parseAuthorizedKeyOptions,
  skipOptionsField,
  type AuthorizedKeyOption,
} from './authorized-key-options';
import { fingerprintMd5, fingerprintSha256, isKeyTypeName } from './key-types';
import { parsePublicKeyBlob, splitKeyWords } from './public-key';
import { SshWireReader } from './ssh-wire';
import { lineContent } from './text-lines';

interface FoundBlob {
  /** The type word as written before the data. */
  declared: string;
  /** The type named inside the blob. */
  type: string;
  blob: Buffer;
  /** The options field ('' for a bare key line). */
  optionsText: string;
  /** Where the comment starts. */
  rest: number;
}

/** The first word (bare, or after the options field) that is base64 of a typed SSH blob. */
function blobOf(text: string): FoundBlob | undefined {
  const tryAt = (from: number, optionsText: string): FoundBlob | undefined => {
    const w = splitKeyWords(text, from);
    if (w.data === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(w.data)) return undefined;
    const blob = Buffer.from(w.data, 'base64');
    const type = new SshWireReader(blob).text();
    return type !== undefined && /^[\x21-\x7e]{1,64}$/.test(type)
      ? { declared: w.type, type, blob, optionsText, rest: w.rest }
      : undefined;
  };
  let start = 0;
  while (text[start] === ' ' || text[start] === '\t') start++;
  const bare = tryAt(start, '');
  if (bare) return bare;
  const end = skipOptionsField(text, start);
  return end === undefined ? undefined : tryAt(end, text.slice(start, end));
}

export function keyOfUnreadableLine(raw: string): { fingerprint: string; keyType: string } | null {
  const found = blobOf(lineContent(raw));
  if (!found) return null;
  const parsed = parsePublicKeyBlob(found.blob);
  // A known type: the fingerprint ssh-keygen prints (a certificate's is its key's).
  if (parsed.ok) return { fingerprint: parsed.key.sha256, keyType: parsed.key.type };
  return { fingerprint: fingerprintSha256(found.blob), keyType: found.type };
}

export interface UnknownTypeKeyLine {
  /** The type name as written (and as the blob names it), e.g. `ssh-mldsa65-ed25519@openssh.com`. */
  keyType: string;
  /** SHA256 of the blob, as `ssh-keygen -l` of an OpenSSH that knows the type prints it. */
  fingerprint: string;
  md5: string;
  options: AuthorizedKeyOption[];
  comment: string;
}

export function unknownTypeKeyLine(raw: string): UnknownTypeKeyLine | null {
  const text = lineContent(raw);
  const found = blobOf(text);
  if (!found || found.declared !== found.type || isKeyTypeName(found.type)) return null;
  let options: AuthorizedKeyOption[] = [];
  if (found.optionsText !== '') {
    const parsed = parseAuthorizedKeyOptions(found.optionsText);
    if (!parsed.ok) return null;
    options = parsed.options;
  }
  return {
    keyType: found.type,
    fingerprint: fingerprintSha256(found.blob),
    md5: fingerprintMd5(found.blob),
    options,
    comment: text.slice(found.rest),
  };
}
