/**
 * Reads the directory through ldapts: bind (after StartTLS, or over ldaps://, the server's
 * certificate checked against the pinned CA when one is given), then paged searches (the
 * simple paged results control, `pageSize` entries a page). A full read takes every user and
 * group; an incremental one (directory-changes.ts) only what changed since the last mark.
 * Either everything asked for is read or the call throws DIRECTORY_UNAVAILABLE: a sync
 * never acts on half a directory.
 */
import { Client, type Entry } from 'ldapts';
import type { ConnectionOptions } from 'node:tls';
import { directoryUnavailable } from '../../shared/errors';
import type { DirectorySyncMark, LdapSettingsRecord } from '../store/directory-records';
import {
  entryValues,
  expandGroups,
  firstValue,
  groupsOf,
  normDn,
  type GroupMembers,
} from './group-membership';
import { inChainMembersFilter, isActiveDirectory, laterTimestamp } from './ldap-filters';
import { ldapSyncOptions } from './ldap-settings';

export interface DirectoryUser {
  dn: string;
  directoryId: string;
  uid: string;
  name: string;
  email: string | null;
  sshPublicKeys: string[];
  /** AD userAccountControl ACCOUNTDISABLE, or an OpenLDAP ppolicy lock. */
  disabled: boolean;
  /** Directory group names (cn), nested groups included. */
  groups: string[];
}

export const USER_ATTRIBUTES = [
  'entryUUID',
  'uid',
  'sAMAccountName',
  'cn',
  'displayName',
  'mail',
  'sshPublicKey',
  'userAccountControl',
  'pwdAccountLockedTime',
  'modifyTimestamp',
  'uSNChanged',
];
const GROUP_ATTRIBUTES = ['cn', 'member', 'uniqueMember', 'memberUid', 'modifyTimestamp'];
const ACCOUNTDISABLE = 2;

function tlsOptions(settings: LdapSettingsRecord): ConnectionOptions {
  const host = new URL(settings.url).hostname;
  return {
    servername: /^[\d.:[\]]+$/.test(host) ? undefined : host,
    rejectUnauthorized: true,
    ...(settings.caCertificate ? { ca: settings.caCertificate } : {}),
  };
}

/** One bound connection and the searches a sync makes over it. */
export interface DirectorySession {
  serverKind: 'ad' | 'ldap';
  /** AD's highestCommittedUSN when the session began (the next mark), else null. */
  highestUsn: string | null;
  search(base: string, filter: string, attributes: string[]): Promise<Entry[]>;
}

/** Bound session → `work`; every failure becomes DIRECTORY_UNAVAILABLE, the connection closed. */
export async function withDirectory<T>(
  settings: LdapSettingsRecord,
  bindPassword: string | null,
  opts: { timeoutMs?: number },
  work: (s: DirectorySession) => Promise<T>,
): Promise<T> {
  const tls = tlsOptions(settings);
  const o = ldapSyncOptions(settings);
  const client = new Client({
    url: settings.url,
    timeout: opts.timeoutMs ?? 30_000,
    connectTimeout: opts.timeoutMs ?? 10_000,
    // ldapts opens TLS at connect whenever tlsOptions are given (ldapts/ldapts#161): only for
    // ldaps://; an ldap:// URL gets them at startTLS.
    ...(settings.url.startsWith('ldaps:') ? { tlsOptions: tls } : {}),
  });
  let failed = false;
  try {
    if (settings.startTls) await client.startTLS(tls);
    if (bindPassword !== null) await client.bind(settings.bindDn, bindPassword);
    const search = async (base: string, filter: string, attributes: string[]) =>
      (
        await client.search(base, {
          scope: base === '' ? 'base' : 'sub',
          filter,
          attributes,
          ...(base === '' ? {} : { paged: { pageSize: o.pageSize } }),
        })
      ).searchEntries;
    // A server said to be plain LDAP is not asked (some refuse root DSE reads to clients).
    const [root] =
      o.serverKind === 'ldap'
        ? []
        : await search('', '(objectClass=*)', ['supportedCapabilities', 'highestCommittedUSN']);
    const serverKind =
      o.serverKind !== 'auto'
        ? o.serverKind
        : root && isActiveDirectory(entryValues(root, 'supportedCapabilities'))
          ? 'ad'
          : 'ldap';
    const highestUsn =
      serverKind === 'ad' && root ? (firstValue(root, 'highestCommittedUSN') ?? null) : null;
    return await work({ serverKind, highestUsn, search });
  } catch (err) {
    failed = true;
    // ldapts result errors carry the LDAP result name in `name` and often no message.
    const message =
      err instanceof Error ? `${err.name}: ${err.message.trim() || 'no message'}` : String(err);
    throw directoryUnavailable(`directory ${settings.url}: ${message}`, {
      cause: err,
      details: { url: settings.url },
    });
  } finally {
    // After a connection dropped under StartTLS, ldapts still thinks it is connected and an
    // unbind would wait out the operation timeout: the sync's failure is not held up by it.
    if (failed) void client.unbind().catch(() => undefined);
    else await client.unbind().catch(() => undefined);
  }
}

export function toDirectoryUser(e: Entry, members: GroupMembers): DirectoryUser {
  const uid =
    firstValue(e, 'uid') ?? firstValue(e, 'sAMAccountName') ?? firstValue(e, 'cn') ?? e.dn;
  const uac = Number(firstValue(e, 'userAccountControl') ?? 0);
  return {
    dn: e.dn,
    // objectGUID is binary: its value as read is not stable text, so AD falls back to the DN.
    directoryId: userDirectoryId(e),
    uid,
    name: firstValue(e, 'displayName') ?? firstValue(e, 'cn') ?? uid,
    email: firstValue(e, 'mail') ?? null,
    sshPublicKeys: entryValues(e, 'sshPublicKey'),
    disabled: (uac & ACCOUNTDISABLE) !== 0 || firstValue(e, 'pwdAccountLockedTime') !== undefined,
    groups: groupsOf(members, e.dn, uid),
  };
}

export const userDirectoryId = (e: Entry) => firstValue(e, 'entryUUID') ?? e.dn;

/**
 * Every group's members. AD: one search of group names, then per group the users AD says
 * are in it through any nesting (LDAP_MATCHING_RULE_IN_CHAIN), which also spares reading
 * huge `member` values. Elsewhere: the groups with their members, expanded by hand.
 */
export async function readMemberships(
  s: DirectorySession,
  settings: LdapSettingsRecord,
): Promise<{ members: GroupMembers; groups: Entry[]; tooDeep: string[] }> {
  if (s.serverKind === 'ad') {
    const groups = await s.search(settings.groupBase, settings.groupFilter, ['cn', 'uSNChanged']);
    const members: GroupMembers = new Map();
    for (const g of groups) {
      const cn = firstValue(g, 'cn');
      if (!cn) continue;
      const users = await s.search(
        settings.userBase,
        inChainMembersFilter(settings.userFilter, g.dn),
        ['1.1'],
      );
      const set = members.get(cn) ?? new Set<string>();
      for (const u of users) set.add(normDn(u.dn));
      members.set(cn, set);
    }
    return { members, groups, tooDeep: [] };
  }
  const groups = await s.search(settings.groupBase, settings.groupFilter, GROUP_ATTRIBUTES);
  const { members, tooDeep } = expandGroups(groups, ldapSyncOptions(settings).nestingDepth);
  return { members, groups, tooDeep };
}

/** The mark after reading these entries: AD's USN at the start, else the latest modifyTimestamp. */
export function nextMark(
  s: DirectorySession,
  previous: DirectorySyncMark | null,
  entries: Entry[],
): DirectorySyncMark | null {
  if (s.serverKind === 'ad')
    return s.highestUsn ? { attribute: 'uSNChanged', value: s.highestUsn } : null;
  let latest = previous?.attribute === 'modifyTimestamp' ? previous.value : null;
  for (const e of entries) latest = laterTimestamp(latest, firstValue(e, 'modifyTimestamp'));
  return latest ? { attribute: 'modifyTimestamp', value: latest } : null;
}

/** Reads the whole directory once: every user with their groups. */
export async function readDirectory(
  settings: LdapSettingsRecord,
  bindPassword: string | null,
  opts: { timeoutMs?: number } = {},
): Promise<DirectoryUser[]> {
  return (await readFullDirectory(settings, bindPassword, opts)).users;
}

export interface FullRead {
  serverKind: 'ad' | 'ldap';
  users: DirectoryUser[];
  mark: DirectorySyncMark | null;
  tooDeep: string[];
}

export function readFullDirectory(
  settings: LdapSettingsRecord,
  bindPassword: string | null,
  opts: { timeoutMs?: number } = {},
): Promise<FullRead> {
  return withDirectory(settings, bindPassword, opts, async (s) => {
    const users = await s.search(settings.userBase, settings.userFilter, USER_ATTRIBUTES);
    const { members, groups, tooDeep } = await readMemberships(s, settings);
    return {
      serverKind: s.serverKind,
      users: users.map((e) => toDirectoryUser(e, members)),
      mark: nextMark(s, null, [...users, ...groups]),
      tooDeep,
    };
  });
}
