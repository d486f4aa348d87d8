/**
 * Bounds on what a directory sends. The directory is a peer Keywarden trusts for who
 * people are, not for how much it may make the controller hold: a misconfigured or hostile
 * server must not exhaust memory or fill people's records with megabytes. What is over a
 * bound is refused with its reason named (in the job result, and audited when new) — never
 * cut short silently, which could turn one value into another.
 *
 * - one LDAP message (one entry with all its values) over `messageBytes`: the read fails
 *   whole (DIRECTORY_UNAVAILABLE), the connection is dropped before more is buffered;
 * - a page holding more entries than the page size asked for: the read fails whole;
 * - a user entry whose DN, uid, name or email is longer than its bound, or whose objectGUID
 *   is not 16 bytes: the entry is refused (as if not listed: a known person is marked left);
 * - a group whose DN or name (cn) is longer than its bound: refused (as if not listed: no
 *   one is a member through it) — a name is copied into every member's record;
 * - more sshPublicKey values than `keysPerPerson`: none of them is taken (which to keep
 *   would be arbitrary, and the order of values changes between reads); a value longer than
 *   `keyLineChars` is rejected like a value that is no key;
 * - nesting deeper than the configured depth: not followed (group-membership.ts).
 */
import type { Entry } from 'ldapts';
import { entryValues } from './group-membership';

export const DIRECTORY_LIMITS = {
  messageBytes: 16 * 1024 * 1024,
  keysPerPerson: 100,
  keyLineChars: 16 * 1024,
  dnChars: 2048,
  uidChars: 256,
  nameChars: 1024,
  emailChars: 320,
  /** A group's name is copied into each member's record: bounded like a uid. */
  groupNameChars: 256,
  /** Entries named in a job result (a whole directory of refused entries would be megabytes). */
  listedInResult: 100,
} as const;

/** A user entry refused whole, and why. */
export interface RefusedEntry {
  dn: string;
  reason: string;
}

/** How a refused entry's DN is shown: a DN itself over its bound is cut, marked so. */
export const shownDn = (dn: string) =>
  dn.length > 200 ? `${dn.slice(0, 200)}… (${dn.length} characters)` : dn;

/** Why a group entry is refused, or null. */
export function groupOverBound(g: Entry): string | null {
  if (g.dn.length > DIRECTORY_LIMITS.dnChars)
    return `DN is ${g.dn.length} characters, more than ${DIRECTORY_LIMITS.dnChars}`;
  for (const v of entryValues(g, 'cn'))
    if (v.length > DIRECTORY_LIMITS.groupNameChars)
      return `cn is ${v.length} characters, more than ${DIRECTORY_LIMITS.groupNameChars}`;
  return null;
}

/** Why a user entry is refused, or null: the first text attribute over its bound. */
export function textOverBound(e: Entry): string | null {
  if (e.dn.length > DIRECTORY_LIMITS.dnChars)
    return `DN is ${e.dn.length} characters, more than ${DIRECTORY_LIMITS.dnChars}`;
  const bounds: Array<[string, number]> = [
    ['uid', DIRECTORY_LIMITS.uidChars],
    ['sAMAccountName', DIRECTORY_LIMITS.uidChars],
    ['cn', DIRECTORY_LIMITS.nameChars],
    ['displayName', DIRECTORY_LIMITS.nameChars],
    ['mail', DIRECTORY_LIMITS.emailChars],
  ];
  for (const [attr, max] of bounds)
    for (const v of entryValues(e, attr))
      if (v.length > max) return `${attr} is ${v.length} characters, more than ${max}`;
  return null;
}
