/**
 * Reads the directory through ldapts: bind (after StartTLS, or over ldaps://, the server's
 * certificate checked against the pinned CA when one is given), then paged searches (the
 * simple paged results control, `pageSize` entries a page). A full read takes every user and
 * group; an incremental one (directory-changes.ts) only what changed since the last mark.
 * Either everything asked for is read or the call throws DIRECTORY_UNAVAILABLE: a sync
 * never acts on half a directory. What the server sends is bounded (directory-limits.ts).
 */
import { Client, type Entry } from 'ldapts';
import type { ConnectionOptions } from 'node:tls';
import { directoryUnavailable } from '../../shared/errors';
import type { DirectorySyncMark, LdapSettingsRecord } from '../store/directory-records';
import {
  DIRECTORY_LIMITS,
  groupOverBound,
  shownDn,
  textOverBound,
  type RefusedEntry,
} from './directory-limits';
import {
  entryValues,
  expandGroups,
  firstValue,
  groupsOf,
  normDn,
  type GroupMembers,
} from './group-membership';
import { USN, inChainMembersFilter, isActiveDirectory, laterTimestamp } from './ldap-filters';
import { ldapSyncOptions } from './ldap-settings';
import { formatObjectGuid } from './object-guid';

export interface DirectoryUser {
  dn: string;
  /** objectGUID (AD), else entryUUID, else the DN: see userIdentity. */
  directoryId: string;
  /** Ids an earlier sync may have keyed this user's person by (entryUUID, the DN). */
  formerIds: string[];
  uid: string;
  name: string;
  email: string | null;
  sshPublicKeys: string[];
  /** AD userAccountControl ACCOUNTDISABLE, or an OpenLDAP ppolicy lock. */
  disabled: boolean;
  /** Directory group names (cn), nested groups included. */
  groups: string[];
  /** sshPublicKey values when more than keysPerPerson were listed (none of them is taken). */
  tooManyKeys?: number;
}

/** Asked for as bytes: ldapts decodes other values as UTF-8, which mangles binary ones. */
export const BINARY_ATTRIBUTES = ['objectGUID'];
/** What identifies a user (userIdentity): the light listing of an incremental read reads these. */
export const ID_ATTRIBUTES = ['objectGUID', 'entryUUID'];
export const USER_ATTRIBUTES = [
  ...ID_ATTRIBUTES,
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
export interface ReadOptions {
  timeoutMs?: number;
  /** Bound on one LDAP message; DIRECTORY_LIMITS.messageBytes unless given (tests lower it). */
  maxMessageBytes?: number;
}

/**
 * ldapts' own parts the message bound hooks into (ldapts has no size limit of its own). An
 * ldapts that renamed them would leave the bound without effect: the message-bound test of
 * test/integration/directory/directory-limits.test.ts fails then.
 */
interface LdaptsInternals {
  socket?: { destroy(): void };
  messageParser: { buffer?: Buffer };
  socketDataHandler: (data: Buffer) => void;
}

/**
 * Drops the connection as soon as one message being received would exceed `max` bytes:
 * ldapts would otherwise buffer whatever length the server announces. Returns what went
 * over, for the error (the pending requests fail with "Connection closed").
 */
function boundMessages(client: Client, max: number): () => string | null {
  const inner = client as unknown as LdaptsInternals;
  const deliver = inner.socketDataHandler;
  let over: string | null = null;
  inner.socketDataHandler = (data: Buffer) => {
    if (over !== null) return;
    const pending = (inner.messageParser.buffer?.length ?? 0) + data.length;
    if (pending > max) {
      over = `the server sent a message (one entry) of more than ${max} bytes: refused, nothing was read`;
      inner.socket?.destroy();
      return;
    }
    deliver(data);
  };
  return () => over;
}

export async function withDirectory<T>(
  settings: LdapSettingsRecord,
  bindPassword: string | null,
  opts: ReadOptions,
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
  const overBound = boundMessages(client, opts.maxMessageBytes ?? DIRECTORY_LIMITS.messageBytes);
  let failed = false;
  try {
    if (settings.startTls) await client.startTLS(tls);
    if (bindPassword !== null) await client.bind(settings.bindDn, bindPassword);
    const search = async (base: string, filter: string, attributes: string[]) => {
      const options = { filter, attributes, explicitBufferAttributes: BINARY_ATTRIBUTES };
      if (base === '')
        return (await client.search(base, { ...options, scope: 'base' })).searchEntries;
      const entries: Entry[] = [];
      const pages = client.searchPaginated(base, {
        ...options,
        scope: 'sub',
        paged: { pageSize: o.pageSize },
      });
      for await (const page of pages) {
        // A server that ignores the page size would hand over the directory in one answer.
        if (page.searchEntries.length > o.pageSize)
          throw new Error(
            `the server sent ${page.searchEntries.length} entries in one page, more than the page size ${o.pageSize}`,
          );
        entries.push(...page.searchEntries);
      }
      return entries;
    };
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
      overBound() ??
      (err instanceof Error ? `${err.name}: ${err.message.trim() || 'no message'}` : String(err));
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

/** A user entry read whole, or refused over a bound (directory-limits.ts). */
export function toDirectoryUser(
  e: Entry,
  members: GroupMembers,
): DirectoryUser | { refused: RefusedEntry } {
  const id = userIdentity(e);
  if ('refused' in id) return id;
  const tooLong = textOverBound(e);
  if (tooLong) return { refused: { dn: shownDn(e.dn), reason: tooLong } };
  const uid =
    firstValue(e, 'uid') ?? firstValue(e, 'sAMAccountName') ?? firstValue(e, 'cn') ?? e.dn;
  const uac = Number(firstValue(e, 'userAccountControl') ?? 0);
  const keys = entryValues(e, 'sshPublicKey');
  const tooManyKeys = keys.length > DIRECTORY_LIMITS.keysPerPerson;
  return {
    dn: e.dn,
    ...id,
    uid,
    name: firstValue(e, 'displayName') ?? firstValue(e, 'cn') ?? uid,
    email: firstValue(e, 'mail') ?? null,
    sshPublicKeys: tooManyKeys ? [] : keys,
    disabled: (uac & ACCOUNTDISABLE) !== 0 || firstValue(e, 'pwdAccountLockedTime') !== undefined,
    groups: groupsOf(members, e.dn, uid),
    ...(tooManyKeys ? { tooManyKeys: keys.length } : {}),
  };
}

/**
 * The id a person is keyed by: AD's objectGUID (binary, in its GUID string form), else
 * entryUUID (RFC 4530), else the DN. Both ids survive a rename or a move, so the person
 * keeps their groups and grants; the DN does not. Earlier versions keyed AD users by the DN:
 * `formerIds` lets the sync adopt such a person (ldap-sync-run.ts).
 */
export function userIdentity(
  e: Entry,
): { directoryId: string; formerIds: string[] } | { refused: RefusedEntry } {
  const raw = e.objectGUID;
  const guid = Array.isArray(raw) ? raw[0] : raw;
  const uuid = firstValue(e, 'entryUUID');
  const former = [uuid, e.dn].filter((x): x is string => x !== undefined);
  if (guid === undefined) return { directoryId: former[0] as string, formerIds: former.slice(1) };
  if (!Buffer.isBuffer(guid) || guid.length !== 16)
    return {
      refused: {
        dn: shownDn(e.dn),
        reason: `objectGUID is ${Buffer.isBuffer(guid) ? `${guid.length} bytes` : 'text'}, not 16 bytes`,
      },
    };
  return { directoryId: formatObjectGuid(guid), formerIds: former };
}

/**
 * Every group's members. AD: one search of group names, then per group the users AD says
 * are in it through any nesting (LDAP_MATCHING_RULE_IN_CHAIN), which also spares reading
 * huge `member` values. Elsewhere: the groups with their members, expanded by hand.
 */
export async function readMemberships(
  s: DirectorySession,
  settings: LdapSettingsRecord,
): Promise<{
  members: GroupMembers;
  groups: Entry[];
  tooDeep: string[];
  refused: RefusedEntry[];
}> {
  if (s.serverKind === 'ad') {
    const { groups, refused } = boundedGroups(
      await s.search(settings.groupBase, settings.groupFilter, ['cn', 'uSNChanged']),
    );
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
    return { members, groups, tooDeep: [], refused };
  }
  const { groups, refused } = boundedGroups(
    await s.search(settings.groupBase, settings.groupFilter, GROUP_ATTRIBUTES),
  );
  const { members, tooDeep } = expandGroups(groups, ldapSyncOptions(settings).nestingDepth);
  return { members, groups, tooDeep, refused };
}

/** Groups over a bound are refused: as if not listed, no one is a member through them. */
function boundedGroups(read: Entry[]): { groups: Entry[]; refused: RefusedEntry[] } {
  const groups: Entry[] = [];
  const refused: RefusedEntry[] = [];
  for (const g of read) {
    const reason = groupOverBound(g);
    if (reason) refused.push({ dn: shownDn(g.dn), reason });
    else groups.push(g);
  }
  return { groups, refused };
}

/** The mark after reading these entries: AD's USN at the start, else the latest modifyTimestamp. */
export function nextMark(
  s: DirectorySession,
  previous: DirectorySyncMark | null,
  entries: Entry[],
): DirectorySyncMark | null {
  if (s.serverKind === 'ad')
    return s.highestUsn && USN.test(s.highestUsn)
      ? { attribute: 'uSNChanged', value: s.highestUsn }
      : null;
  let latest = previous?.attribute === 'modifyTimestamp' ? previous.value : null;
  for (const e of entries) latest = laterTimestamp(latest, firstValue(e, 'modifyTimestamp'));
  return latest ? { attribute: 'modifyTimestamp', value: latest } : null;
}

/** Reads the whole directory once: every user with their groups. */
export async function readDirectory(
  settings: LdapSettingsRecord,
  bindPassword: string | null,
  opts: ReadOptions = {},
): Promise<DirectoryUser[]> {
  return (await readFullDirectory(settings, bindPassword, opts)).users;
}

export interface FullRead {
  serverKind: 'ad' | 'ldap';
  users: DirectoryUser[];
  /** User and group entries refused over a bound: as if not listed. */
  refused: RefusedEntry[];
  mark: DirectorySyncMark | null;
  tooDeep: string[];
}

export function readFullDirectory(
  settings: LdapSettingsRecord,
  bindPassword: string | null,
  opts: ReadOptions = {},
): Promise<FullRead> {
  return withDirectory(settings, bindPassword, opts, async (s) => {
    const entries = await s.search(settings.userBase, settings.userFilter, USER_ATTRIBUTES);
    const memberships = await readMemberships(s, settings);
    const { members, groups, tooDeep } = memberships;
    const { users, refused } = splitRefused(entries.map((e) => toDirectoryUser(e, members)));
    return {
      serverKind: s.serverKind,
      users,
      refused: [...refused, ...memberships.refused],
      mark: nextMark(s, null, [...entries, ...groups]),
      tooDeep,
    };
  });
}

export function splitRefused(read: Array<DirectoryUser | { refused: RefusedEntry }>): {
  users: DirectoryUser[];
  refused: RefusedEntry[];
} {
  const users: DirectoryUser[] = [];
  const refused: RefusedEntry[] = [];
  for (const r of read)
    if ('refused' in r) refused.push(r.refused);
    else users.push(r);
  return { users, refused };
}
