/**
 * The LDAP filters and root DSE facts a sync is built from: escaping a value into a filter
 * (RFC 4515), Active Directory's transitive-membership rule, the "changed since" filter of
 * an incremental sync, and whether the server is Active Directory at all.
 */
import type { DirectorySyncMark } from '../store/directory-records';

/** LDAP_MATCHING_RULE_IN_CHAIN: AD walks nested groups itself, cycles and depth included. */
export const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';
/** LDAP_CAP_ACTIVE_DIRECTORY_OID in the root DSE's supportedCapabilities. */
export const AD_CAPABILITY = '1.2.840.113556.1.4.800';
/**
 * An incremental read asks again for what changed this long before the last mark: a write
 * stamped just before the previous read but committed after it is still seen. Reading an
 * entry twice changes nothing.
 */
export const MODIFY_TIMESTAMP_OVERLAP_MS = 60_000;

export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Users of `userFilter` that are members of the group `groupDn`, directly or through groups. */
export function inChainMembersFilter(userFilter: string, groupDn: string): string {
  return `(&${userFilter}(memberOf:${IN_CHAIN_RULE}:=${escapeFilterValue(groupDn)}))`;
}

export function isActiveDirectory(supportedCapabilities: string[]): boolean {
  return supportedCapabilities.includes(AD_CAPABILITY);
}

/**
 * A USN as the mark keeps it: AD's USNs are 64-bit, so at most 20 digits (a longer value
 * from the server is no USN, and would be kept and compared as a huge number every run).
 */
export const USN = /^\d{1,20}$/;

/** 20261130122233Z or 20261130122233.0Z (AD) → ms since the epoch; null when not that. */
export function parseGeneralizedTime(value: string): number | null {
  // A fraction of at most 9 digits: a mark longer than that is no timestamp a server writes.
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,]\d{1,9})?Z$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, ...number[]];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

export function formatGeneralizedTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The filter term of "changed since the mark", or null when the mark cannot be used. */
export function changedSinceFilter(mark: DirectorySyncMark): string | null {
  if (mark.attribute === 'uSNChanged') {
    if (!USN.test(mark.value)) return null;
    return `(uSNChanged>=${BigInt(mark.value) + 1n})`;
  }
  const at = parseGeneralizedTime(mark.value);
  if (at === null) return null;
  return `(modifyTimestamp>=${formatGeneralizedTime(at - MODIFY_TIMESTAMP_OVERLAP_MS)})`;
}

/** Whether an entry's change attribute value is at or after the mark (same rule as the filter). */
export function changedSince(mark: DirectorySyncMark, value: string | undefined): boolean {
  if (value === undefined) return true; // unknown: read it again rather than miss it
  if (mark.attribute === 'uSNChanged')
    return USN.test(value) && USN.test(mark.value) && BigInt(value) > BigInt(mark.value);
  const at = parseGeneralizedTime(value);
  const since = parseGeneralizedTime(mark.value);
  return at === null || since === null || at >= since - MODIFY_TIMESTAMP_OVERLAP_MS;
}

/** The later of two marks of the same attribute (the latest modifyTimestamp read). */
export function laterTimestamp(a: string | null, b: string | undefined): string | null {
  if (b === undefined || parseGeneralizedTime(b) === null) return a;
  if (a === null) return b;
  return (parseGeneralizedTime(b) as number) > (parseGeneralizedTime(a) as number) ? b : a;
}
