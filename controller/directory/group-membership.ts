/**
 * Who is in which directory group, groups in groups included. On a plain LDAP server the
 * `member`/`uniqueMember` values are followed by hand: a group seen twice on one walk is a
 * cycle and is not entered again, and nesting deeper than the configured depth is not
 * followed (counted, so the job result says so). On Active Directory the server answers
 * transitive membership itself (read-directory.ts, LDAP_MATCHING_RULE_IN_CHAIN).
 */
import type { Entry } from 'ldapts';

/** Group name (cn) → the members: normalised user DNs, and `uid:<uid>` for memberUid. */
export type GroupMembers = Map<string, Set<string>>;

export const entryValues = (e: Entry, attr: string): string[] => {
  const v = e[attr];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x));
};
export const firstValue = (e: Entry, attr: string) => entryValues(e, attr)[0];
export const normDn = (dn: string) => dn.replace(/\s*,\s*/g, ',').toLowerCase();

export function expandGroups(
  groups: Entry[],
  maxDepth: number,
): { members: GroupMembers; tooDeep: string[] } {
  const byDn = new Map(groups.map((g) => [normDn(g.dn), g]));
  const members: GroupMembers = new Map();
  const tooDeep = new Set<string>();
  const collect = (g: Entry, into: Set<string>, seen: Set<string>, depth: number) => {
    if (seen.has(normDn(g.dn))) return; // a cycle, or a group reached twice
    seen.add(normDn(g.dn));
    for (const m of [...entryValues(g, 'member'), ...entryValues(g, 'uniqueMember')]) {
      const nested = byDn.get(normDn(m));
      if (!nested) into.add(normDn(m));
      else if (depth < maxDepth) collect(nested, into, seen, depth + 1);
      else tooDeep.add(g.dn);
    }
    for (const uid of entryValues(g, 'memberUid')) into.add(`uid:${uid}`);
  };
  for (const g of groups) {
    const cn = firstValue(g, 'cn');
    if (!cn) continue;
    const set = members.get(cn) ?? new Set<string>();
    collect(g, set, new Set(), 0);
    members.set(cn, set);
  }
  return { members, tooDeep: [...tooDeep].sort() };
}

/** The sorted names of the groups a user (by DN and uid) is in. */
export function groupsOf(members: GroupMembers, dn: string, uid: string): string[] {
  const d = normDn(dn);
  return [...members.entries()]
    .filter(([, set]) => set.has(d) || set.has(`uid:${uid}`))
    .map(([cn]) => cn)
    .sort();
}
