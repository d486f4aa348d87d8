/**
 * An incremental read: what changed in the directory since the last mark (AD: uSNChanged
 * above the USN the last read began at; elsewhere: modifyTimestamp from a minute before the
 * latest one read). Users who left are found every run all the same: one light listing of
 * the ids of every user in scope (no keys, no groups), so a deletion or a move out of the
 * base reaches the hosts within one interval, not at the next full sync. Groups are re-read
 * whole (nesting needs them all) when any user or group changed or a group people were in
 * is gone; when nothing changed, nothing more is read.
 */
import type { Entry } from 'ldapts';
import type { DirectorySyncMark, LdapSettingsRecord } from '../store/directory-records';
import { firstValue, type GroupMembers } from './group-membership';
import { changedSince, changedSinceFilter } from './ldap-filters';
import { shownDn, type RefusedEntry } from './directory-limits';
import {
  ID_ATTRIBUTES,
  USER_ATTRIBUTES,
  nextMark,
  readMemberships,
  splitRefused,
  toDirectoryUser,
  userIdentity,
  withDirectory,
  type DirectoryUser,
  type ReadOptions,
} from './read-directory';

export interface ChangesRead {
  serverKind: 'ad' | 'ldap';
  /** The ids (directoryId) of every user the search finds now, less those refused. */
  present: Set<string>;
  /** The users that changed, read whole (groups resolved when `members` is set). */
  changed: DirectoryUser[];
  /** Changed (or listed) user entries, and groups, refused over a bound: as if not listed. */
  refused: RefusedEntry[];
  /** Every group's members when groups were re-read; null: group memberships unchanged. */
  members: GroupMembers | null;
  mark: DirectorySyncMark | null;
  tooDeep: string[];
}

/** null: the mark cannot be used with this server (another kind, or a malformed value). */
export function readDirectoryChanges(
  settings: LdapSettingsRecord,
  bindPassword: string | null,
  since: DirectorySyncMark,
  knownGroups: Set<string>,
  opts: ReadOptions = {},
): Promise<ChangesRead | null> {
  return withDirectory(settings, bindPassword, opts, async (s) => {
    const wantAttr = s.serverKind === 'ad' ? 'uSNChanged' : 'modifyTimestamp';
    const term = changedSinceFilter(since);
    if (since.attribute !== wantAttr || term === null) return null;
    const ids = await s.search(settings.userBase, settings.userFilter, ID_ATTRIBUTES);
    const changedEntries = await s.search(
      settings.userBase,
      `(&${settings.userFilter}${term})`,
      USER_ATTRIBUTES,
    );
    const groupStamps = await s.search(settings.groupBase, settings.groupFilter, ['cn', wantAttr]);
    const names = new Set(groupStamps.map((g) => firstValue(g, 'cn')));
    const groupsChanged =
      groupStamps.some((g) => changedSince(since, firstValue(g, wantAttr))) ||
      [...knownGroups].some((cn) => !names.has(cn));
    let members: GroupMembers | null = null;
    let groups: Entry[] = [];
    let tooDeep: string[] = [];
    let refusedGroups: RefusedEntry[] = [];
    if (groupsChanged || changedEntries.length > 0)
      ({ members, groups, tooDeep, refused: refusedGroups } = await readMemberships(s, settings));
    const { users: changed, refused } = splitRefused(
      changedEntries.map((e) => toDirectoryUser(e, members ?? new Map())),
    );
    // An entry refused when read whole is not listed either: its person is marked left.
    const refusedDns = new Set(refused.map((r) => r.dn));
    const present = new Set<string>();
    for (const e of ids) {
      const id = userIdentity(e);
      if ('refused' in id) {
        if (!refusedDns.has(id.refused.dn)) refused.push(id.refused);
      } else if (!refusedDns.has(shownDn(e.dn))) present.add(id.directoryId);
    }
    return {
      serverKind: s.serverKind,
      present,
      changed,
      refused: [...refused, ...refusedGroups],
      members,
      mark: nextMark(s, since, [...changedEntries, ...groups, ...groupStamps]),
      tooDeep,
    };
  });
}
