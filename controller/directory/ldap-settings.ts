/**
 * How ldap-sync reaches the directory: checked whole before it is stored, the bind
 * password sealed with the master key (never stored, logged, returned or audited in
 * clear), and shown without it.
 */
import { invalidInput } from '../../shared/errors';
import type { SecretBox } from '../secrets/secret-box';
import type { LdapSettingsRecord } from '../store/directory-records';

/** The sealing context of the bind password: a sealed value copied elsewhere does not open. */
export const LDAP_BIND_PASSWORD_CONTEXT = 'directory:ldap:bind-password';

export interface LdapSettingsInput {
  url: string;
  startTls?: boolean;
  caCertificate?: string | null;
  bindDn: string;
  /** Absent: keep the stored password; null: remove it. */
  bindPassword?: string | null;
  userBase: string;
  userFilter?: string;
  groupBase?: string;
  groupFilter?: string;
  pageSize?: number;
  nestingDepth?: number;
  serverKind?: 'auto' | 'ad' | 'ldap';
  incremental?: boolean;
  fullSyncEvery?: number;
  keyCommentPattern?: string | null;
  keyCommentField?: 'uid' | 'email';
  accountMatch?: 'uid' | 'mapping';
}

/** The settings a sync acts on, defaults filled in (records stored before they existed too). */
export interface LdapSyncOptions {
  pageSize: number;
  nestingDepth: number;
  serverKind: 'auto' | 'ad' | 'ldap';
  incremental: boolean;
  fullSyncEvery: number;
  keyCommentPattern: string | null;
  keyCommentField: 'uid' | 'email';
  accountMatch: 'uid' | 'mapping';
}

export function ldapSyncOptions(s: LdapSettingsRecord): LdapSyncOptions {
  return {
    pageSize: s.pageSize ?? 500,
    nestingDepth: s.nestingDepth ?? 10,
    serverKind: s.serverKind ?? 'auto',
    incremental: s.incremental ?? true,
    fullSyncEvery: s.fullSyncEvery ?? 12,
    keyCommentPattern: s.keyCommentPattern ?? null,
    keyCommentField: s.keyCommentField ?? 'uid',
    accountMatch: s.accountMatch ?? 'uid',
  };
}

function checkedInt(field: string, value: number | undefined, min: number, max: number) {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max)
    throw bad(field, value, `an integer from ${min} to ${max}`);
  return value;
}

/** A key comment pattern must compile and capture what is compared with the uid or email. */
function checkedPattern(value: string | null | undefined): string | null {
  const p = value?.trim() || null;
  if (p === null) return null;
  let re: RegExp;
  try {
    re = new RegExp(p, 'i');
  } catch (err) {
    throw bad('keyCommentPattern', p, `a regular expression (${(err as Error).message})`);
  }
  // Comments are written by whoever controls a host: a quantified group holding a quantifier
  // (`(a+)+`) could backtrack for minutes on a crafted one, so such patterns are refused.
  if (/\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{?]/.test(p))
    throw bad('keyCommentPattern', p, 'a pattern without a repeated group that itself repeats');
  if (new RegExp(`${re.source}|`).exec('')?.length !== 2)
    throw bad('keyCommentPattern', p, 'a regular expression with exactly one capture group');
  return p;
}

export type LdapSettingsView = Omit<LdapSettingsRecord, 'bindPasswordSealed'> &
  LdapSyncOptions & { bindPasswordSet: boolean };

const bad = (field: string, value: unknown, expected: string) =>
  invalidInput(`${field}: ${JSON.stringify(value)} is not ${expected}`, {
    details: { field, value, expected },
  });

const DN = /^[^=,]+=[^,]+(,[^=,]+=[^,]+)*$/;
const FILTER = /^\(.*\)$/s;

export function buildLdapSettings(
  input: LdapSettingsInput,
  current: LdapSettingsRecord | null,
  box: SecretBox,
  by: string,
  now: number,
): LdapSettingsRecord {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw bad('url', input.url, 'an ldap:// or ldaps:// URL');
  }
  if ((url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') || url.pathname.length > 1)
    throw bad('url', input.url, 'an ldap:// or ldaps:// URL with no path (host and port only)');
  const startTls = input.startTls ?? url.protocol === 'ldap:';
  if (startTls && url.protocol === 'ldaps:')
    throw bad('startTls', true, 'usable with ldaps:// (already TLS): give ldap:// with startTls');
  for (const [field, value] of [
    ['bindDn', input.bindDn],
    ['userBase', input.userBase],
    ['groupBase', input.groupBase ?? input.userBase],
  ] as const)
    if (!DN.test(value.trim())) throw bad(field, value, 'a DN such as ou=people,dc=example,dc=com');
  const userFilter = input.userFilter?.trim() || '(objectClass=inetOrgPerson)';
  const groupFilter =
    input.groupFilter?.trim() || '(|(objectClass=groupOfNames)(objectClass=group))';
  if (!FILTER.test(userFilter))
    throw bad('userFilter', userFilter, 'an LDAP filter in parentheses');
  if (!FILTER.test(groupFilter))
    throw bad('groupFilter', groupFilter, 'an LDAP filter in parentheses');
  const ca = input.caCertificate?.trim() || null;
  if (ca !== null && !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(ca))
    throw bad('caCertificate', '(PEM text)', 'PEM certificates (-----BEGIN CERTIFICATE-----)');
  let bindPasswordSealed = current?.bindPasswordSealed ?? null;
  if (input.bindPassword === null) bindPasswordSealed = null;
  else if (input.bindPassword !== undefined) {
    if (input.bindPassword.length === 0)
      throw bad('bindPassword', '(empty)', 'a non-empty password');
    bindPasswordSealed = box.seal(input.bindPassword, LDAP_BIND_PASSWORD_CONTEXT);
  }
  if (bindPasswordSealed !== null && !startTls && url.protocol === 'ldap:')
    throw invalidInput(
      'startTls: false over ldap:// would send the bind password in clear; use startTls or ldaps://',
      {
        details: {
          field: 'startTls',
          value: false,
          expected: 'StartTLS or ldaps:// with a password',
        },
      },
    );
  const pageSize = checkedInt('pageSize', input.pageSize, 1, 10_000);
  const nestingDepth = checkedInt('nestingDepth', input.nestingDepth, 0, 100);
  const fullSyncEvery = checkedInt('fullSyncEvery', input.fullSyncEvery, 1, 10_000);
  const keyCommentPattern = checkedPattern(input.keyCommentPattern);
  return {
    url: `${url.protocol}//${url.host}`,
    startTls,
    caCertificate: ca,
    bindDn: input.bindDn.trim(),
    bindPasswordSealed,
    userBase: input.userBase.trim(),
    userFilter,
    groupBase: (input.groupBase ?? input.userBase).trim(),
    groupFilter,
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(nestingDepth !== undefined ? { nestingDepth } : {}),
    ...(input.serverKind !== undefined ? { serverKind: input.serverKind } : {}),
    ...(input.incremental !== undefined ? { incremental: input.incremental } : {}),
    ...(fullSyncEvery !== undefined ? { fullSyncEvery } : {}),
    ...(keyCommentPattern !== null ? { keyCommentPattern } : {}),
    ...(input.keyCommentField !== undefined ? { keyCommentField: input.keyCommentField } : {}),
    ...(input.accountMatch !== undefined ? { accountMatch: input.accountMatch } : {}),
    updatedAt: now,
    updatedBy: by,
  };
}

export function ldapSettingsView(s: LdapSettingsRecord): LdapSettingsView {
  const { bindPasswordSealed, ...rest } = s;
  return { ...rest, ...ldapSyncOptions(s), bindPasswordSet: bindPasswordSealed !== null };
}
