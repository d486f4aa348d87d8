/** Public keys of a person as Keywarden keeps them: parsed, fingerprinted, one per key. */
import { invalidInput } from '../../shared/errors';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';
import type { PersonKey } from '../store/directory-records';

/** A key line as stored (type, base64, comment on one line), or null when it is no key. */
export function toPersonKey(line: string, source: PersonKey['source']): PersonKey | null {
  const parsed = parsePublicKeyLine(line.trim());
  if (!parsed.ok) return null;
  const comment = parsed.comment.replace(/[\r\n]+/g, ' ').trim();
  return {
    publicKey: [parsed.key.type, parsed.key.base64, comment].filter(Boolean).join(' '),
    fingerprint: parsed.key.sha256,
    source,
  };
}

/** For the API: a line that is not a public key is refused, naming the field. */
export function uploadedKey(line: string): PersonKey {
  const key = toPersonKey(line, 'api');
  if (!key)
    throw invalidInput('publicKey is not a public key line', {
      details: { field: 'publicKey', value: line.slice(0, 100), expected: 'an OpenSSH public key' },
    });
  return key;
}

/** One key per fingerprint; the directory's copy wins over an uploaded one. */
export function mergeKeys(keys: PersonKey[]): PersonKey[] {
  const out = new Map<string, PersonKey>();
  for (const k of keys) {
    const had = out.get(k.fingerprint);
    if (!had || (had.source === 'api' && k.source === 'directory')) out.set(k.fingerprint, k);
  }
  return [...out.values()];
}
