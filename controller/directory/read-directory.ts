/**
 * Reads the whole directory once, through ldapts: bind (after StartTLS, or over ldaps://,
 * the server's certificate checked against the pinned CA when one is given), then a paged
 * search of users and one of groups. Either everything is read or the call throws
 * DIRECTORY_UNAVAILABLE: a sync never acts on half a directory.
 */
import { Client, type Entry } from 'ldapts';
import type { ConnectionOptions } from 'node:tls';
import { directoryUnavailable } from '../../shared/errors';
import type { LdapSettingsRecord } from '../store/directory-records';

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

const USER_ATTRIBUTES = [
  'entryUUID',
  'objectGUID',
  'uid',
  'sAMAccountName',
  'cn',
  'displayName',
  'mail',
  'sshPublicKey',
  'userAccountControl',
  'pwdAccountLockedTime',
];
const GROUP_ATTRIBUTES = ['cn', 'member', 'uniqueMember', 'memberUid'];
const ACCOUNTDISABLE = 2;

const values = (e: Entry, attr: string): string[] => {
  const v = e[attr];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x));
};
const first = (e: Entry, attr: string) => values(e, attr)[0];
const normDn = (dn: string) => dn.replace(/\s*,\s*/g, ',').toLowerCase();

function tlsOptions(settings: LdapSettingsRecord): ConnectionOptions {
  const host = new URL(settings.url).hostname;
  return {
    servername: /^[\d.:[\]]+$/.test(host) ? undefined : host,
    rejectUnauthorized: true,
    ...(settings.caCertificate ? { ca: settings.caCertificate } : {}),
  };
}

/** Group cn → the set of user DNs and uids in it, following groups nested in groups. */
function resolveGroups(groups: Entry[]): Map<string, Set<string>> {
  const byDn = new Map(groups.map((g) => [normDn(g.dn), g]));
  const out = new Map<string, Set<string>>();
  const collect = (g: Entry, into: Set<string>, seen: Set<string>) => {
    if (seen.has(normDn(g.dn))) return; // a cycle of nested groups
    seen.add(normDn(g.dn));
    for (const m of [...values(g, 'member'), ...values(g, 'uniqueMember')]) {
      const nested = byDn.get(normDn(m));
      if (nested) collect(nested, into, seen);
      else into.add(normDn(m));
    }
    for (const uid of values(g, 'memberUid')) into.add(`uid:${uid}`);
  };
  for (const g of groups) {
    const cn = first(g, 'cn');
    if (!cn) continue;
    const members = out.get(cn) ?? new Set<string>();
    collect(g, members, new Set());
    out.set(cn, members);
  }
  return out;
}

export async function readDirectory(
  settings: LdapSettingsRecord,
  bindPassword: string | null,
  opts: { timeoutMs?: number } = {},
): Promise<DirectoryUser[]> {
  const tls = tlsOptions(settings);
  const client = new Client({
    url: settings.url,
    timeout: opts.timeoutMs ?? 30_000,
    connectTimeout: opts.timeoutMs ?? 10_000,
    // ldapts opens TLS at connect whenever tlsOptions are given (ldapts/ldapts#161): only for
    // ldaps://; an ldap:// URL gets them at startTLS.
    ...(settings.url.startsWith('ldaps:') ? { tlsOptions: tls } : {}),
  });
  try {
    if (settings.startTls) await client.startTLS(tls);
    if (bindPassword !== null) await client.bind(settings.bindDn, bindPassword);
    const paged = { pageSize: 500 };
    const users = await client.search(settings.userBase, {
      scope: 'sub',
      filter: settings.userFilter,
      attributes: USER_ATTRIBUTES,
      paged,
    });
    const groups = await client.search(settings.groupBase, {
      scope: 'sub',
      filter: settings.groupFilter,
      attributes: GROUP_ATTRIBUTES,
      paged,
    });
    const members = resolveGroups(groups.searchEntries);
    return users.searchEntries.map((e) => {
      const uid = first(e, 'uid') ?? first(e, 'sAMAccountName') ?? first(e, 'cn') ?? e.dn;
      const uac = Number(first(e, 'userAccountControl') ?? 0);
      return {
        dn: e.dn,
        // objectGUID is binary: its value as read is not stable text, so AD falls back to the DN.
        directoryId: first(e, 'entryUUID') ?? e.dn,
        uid,
        name: first(e, 'displayName') ?? first(e, 'cn') ?? uid,
        email: first(e, 'mail') ?? null,
        sshPublicKeys: values(e, 'sshPublicKey'),
        disabled: (uac & ACCOUNTDISABLE) !== 0 || first(e, 'pwdAccountLockedTime') !== undefined,
        groups: [...members.entries()]
          .filter(([, set]) => set.has(normDn(e.dn)) || set.has(`uid:${uid}`))
          .map(([cn]) => cn)
          .sort(),
      };
    });
  } catch (err) {
    // ldapts result errors carry the LDAP result name in `name` and often no message.
    const message =
      err instanceof Error ? `${err.name}: ${err.message.trim() || 'no message'}` : String(err);
    throw directoryUnavailable(`directory ${settings.url}: ${message}`, {
      cause: err,
      details: { url: settings.url },
    });
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
