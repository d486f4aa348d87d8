/**
 * `keywarden people ...`, `keywarden access-groups ...` and `keywarden directory ...`:
 * who owns keys, which directory group reaches which host group as which account, and
 * the LDAP directory they come from (the bind password from a file or stdin, never from
 * the command line, where `ps` would show it).
 */
import { readFileSync } from 'node:fs';
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { UsageError } from './option-values';
import {
  ACCESS_GROUP_LIMIT_OPTIONS,
  ACCESS_GROUP_LIMIT_USAGE,
  accessGroupLimits,
  describeLimits,
  type ScheduleView,
} from './access-group-limits';

export const PEOPLE_OPTIONS = {
  'directory-group': { type: 'string' },
  'ldap-url': { type: 'string' },
  'no-starttls': { type: 'boolean' },
  'bind-dn': { type: 'string' },
  'bind-password-file': { type: 'string' },
  'user-base': { type: 'string' },
  'user-filter': { type: 'string' },
  'group-base': { type: 'string' },
  'group-filter': { type: 'string' },
  'page-size': { type: 'string' },
  'nesting-depth': { type: 'string' },
  'server-kind': { type: 'string' },
  'no-incremental': { type: 'boolean' },
  'full-sync-every': { type: 'string' },
  'key-comment-pattern': { type: 'string' },
  'key-comment-field': { type: 'string' },
  'account-match': { type: 'string' },
  person: { type: 'string' },
  member: { type: 'string', multiple: true },
  departed: { type: 'boolean' },
  ...ACCESS_GROUP_LIMIT_OPTIONS,
} as const;

export const PEOPLE_USAGE = `  people list [--state active|left] | people show ID | people add-key ID --public-key-file F
  people remove-key ID FINGERPRINT
  people accounts [--departed] [--person ID] | people mappings
  people map-account --account A [--host HOST] --person ID [--id ID] | people unmap-account ID
  keys attribute FINGERPRINT --person ID [--note TEXT] | keys unattribute FINGERPRINT
  access-groups add [--directory-group G] [--member PERSON-ID ...] --group HOST-GROUP --account A [--id ID]
      [--option NAME[=VALUE] ...]
${ACCESS_GROUP_LIMIT_USAGE}
  access-groups list | access-groups show ID | access-groups remove ID
  access-groups add-member ID --person P | access-groups remove-member ID --person P
  directory set --ldap-url ldap://H:P|ldaps://H:P [--no-starttls] [--ca-file PEM] --bind-dn DN --bind-password-file FILE|-
      --user-base DN [--user-filter F] [--group-base DN] [--group-filter F] [--page-size N]
      [--nesting-depth N] [--server-kind auto|ad|ldap] [--no-incremental] [--full-sync-every N]
      [--key-comment-pattern REGEX] [--key-comment-field uid|email] [--account-match uid|mapping]
  directory show`;

interface PersonView {
  id: string;
  uid: string;
  name: string;
  email: string | null;
  state: string;
  dn: string;
  keys: Array<{ fingerprint: string; source: string; publicKey: string }>;
  groups: string[];
  leftAt: number | null;
}
type KeyOwnerRow = { fingerprint: string; method: string; detail: string | null };
type AccountRow = { hostId: string; account: string; method: string; departed: boolean };
type GrantView = {
  accessGroupId: string;
  fingerprint: string;
  authorizationId: string;
};
interface AccessGroupView {
  id: string;
  directoryGroup: string | null;
  members?: string[];
  hostGroupId: string;
  account: string;
  options: Array<{ name: string; value?: string }>;
  from?: string[];
  schedule?: ScheduleView;
}

const whoIsIn = (g: AccessGroupView) =>
  [
    g.directoryGroup ? `members of ${g.directoryGroup}` : null,
    g.members?.length ? `${g.members.length} listed by hand` : null,
  ]
    .filter(Boolean)
    .join(' and ');
const limits = (g: AccessGroupView) => {
  const text = describeLimits(g);
  return text ? `, ${text}` : '';
};
const need = (v: string | undefined, flag: string, cmd: string): string => {
  if (!v) throw new UsageError(`${cmd}: give ${flag}`);
  return v;
};
const optionList = (values: string[] | undefined) =>
  (values ?? []).map((v) => {
    const eq = v.indexOf('=');
    return eq < 0 ? { name: v } : { name: v.slice(0, eq), value: v.slice(eq + 1) };
  });

export async function peopleCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  const id = () => need(args[0], 'the person id', `people ${sub}`);
  switch (sub) {
    case 'list': {
      const q = o.state ? `?state=${encodeURIComponent(o.state)}` : '';
      const res = await api.call<{ items: PersonView[] }>('GET', `/api/v1/people${q}`);
      const rows = res.items.map((p) => ({
        ...p,
        keys: p.keys.length,
        groups: p.groups.join(',') || '-',
        email: p.email ?? '-',
      }));
      return {
        data: res,
        human: table(rows, ['id', 'uid', 'name', 'email', 'state', 'keys', 'groups']),
      };
    }
    case 'show': {
      const res = await api.call<{
        person: PersonView;
        grants: GrantView[];
        fleetKeys: KeyOwnerRow[];
        accounts: AccountRow[];
      }>('GET', `/api/v1/people/${encodeURIComponent(id())}`);
      const p = res.person;
      const human = [
        `${p.name} (${p.uid}) ${p.state}${p.leftAt ? ` since ${time(p.leftAt)}` : ''}`,
        `dn: ${p.dn}`,
        `email: ${p.email ?? '-'}`,
        `groups: ${p.groups.join(', ') || '-'}`,
        'keys:',
        table(p.keys, ['fingerprint', 'source']),
        'grants:',
        table(res.grants, ['accessGroupId', 'fingerprint', 'authorizationId']),
        'keys found in the fleet:',
        table(res.fleetKeys, ['fingerprint', 'method', 'detail']),
        'fleet accounts:',
        table(
          res.accounts.map((a) => ({ ...a, departed: a.departed ? 'DEPARTED' : '-' })),
          ['hostId', 'account', 'method', 'departed'],
        ),
      ].join('\n');
      return { data: res, human };
    }
    case 'add-key': {
      const file = need(o['public-key-file'], '--public-key-file', 'people add-key');
      const p = await api.call<PersonView>(
        'POST',
        `/api/v1/people/${encodeURIComponent(id())}/keys`,
        { publicKey: readFileSync(file, 'utf8').trim() },
      );
      return { data: p, human: `${p.name}: ${p.keys.length} key(s)` };
    }
    case 'remove-key': {
      const fp = need(args[1], 'the key fingerprint', 'people remove-key');
      const p = await api.call<PersonView>(
        'DELETE',
        `/api/v1/people/${encodeURIComponent(id())}/keys/${encodeURIComponent(fp)}`,
      );
      return { data: p, human: `${p.name}: ${p.keys.length} key(s)` };
    }
    default:
      throw new UsageError(`unknown command people ${sub ?? ''}`);
  }
}

export async function accessGroupsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'add': {
      const cmd = 'access-groups add';
      const body = {
        ...(o['directory-group'] ? { directoryGroup: o['directory-group'] } : {}),
        ...(o.member?.length ? { members: o.member } : {}),
        hostGroupId: need(o.group, '--group', cmd),
        account: need(o.account, '--account', cmd),
        ...(o.id ? { id: o.id } : {}),
        ...(o.option ? { options: optionList(o.option) } : {}),
        ...accessGroupLimits(o),
      };
      const res = await api.call<{ accessGroup: AccessGroupView; jobId: string }>(
        'POST',
        '/api/v1/access-groups',
        body,
      );
      const g = res.accessGroup;
      return {
        data: res,
        human: `${g.id}: ${whoIsIn(g)} → ${g.account} on host group ${g.hostGroupId}${limits(g)} (job ${res.jobId})`,
      };
    }
    case 'list': {
      const res = await api.call<{ items: AccessGroupView[] }>('GET', '/api/v1/access-groups');
      const rows = res.items.map((g) => ({
        ...g,
        directoryGroup: g.directoryGroup ?? '-',
        members: g.members?.length ?? 0,
        options:
          g.options
            .map((x) => (x.value === undefined ? x.name : `${x.name}="${x.value}"`))
            .join(',') || '-',
      }));
      return {
        data: res,
        human: table(rows, [
          'id',
          'directoryGroup',
          'members',
          'hostGroupId',
          'account',
          'options',
        ]),
      };
    }
    case 'show': {
      const gid = need(args[0], 'the access group id', 'access-groups show');
      const res = await api.call<{
        accessGroup: AccessGroupView;
        members: Array<{ id: string; uid: string; name: string; state: string; keys: number }>;
        grants: Array<{
          personId: string;
          fingerprint: string;
          authorizationId: string;
          windowEndsAt?: number;
          windowClosed?: boolean;
        }>;
      }>('GET', `/api/v1/access-groups/${encodeURIComponent(gid)}`);
      const g = res.accessGroup;
      const human = [
        `${g.id}: ${whoIsIn(g)} → ${g.account} on host group ${g.hostGroupId}${limits(g)}`,
        'members:',
        table(res.members, ['id', 'uid', 'name', 'state', 'keys']),
        'grants:',
        table(
          res.grants.map((x) => ({
            ...x,
            window: x.windowClosed
              ? 'closed'
              : x.windowEndsAt !== undefined
                ? `until ${time(x.windowEndsAt)}`
                : '-',
          })),
          ['personId', 'fingerprint', 'authorizationId', 'window'],
        ),
      ].join('\n');
      return { data: res, human };
    }
    case 'add-member':
    case 'remove-member': {
      const cmd = `access-groups ${sub}`;
      const gid = encodeURIComponent(need(args[0], 'the access group id', cmd));
      const person = need(o.person, '--person', cmd);
      const res = await api.call<{ accessGroup: AccessGroupView; jobId: string }>(
        sub === 'add-member' ? 'POST' : 'DELETE',
        sub === 'add-member'
          ? `/api/v1/access-groups/${gid}/members`
          : `/api/v1/access-groups/${gid}/members/${encodeURIComponent(person)}`,
        sub === 'add-member' ? { personId: person } : undefined,
      );
      const g = res.accessGroup;
      return { data: res, human: `${g.id}: ${whoIsIn(g)} (job ${res.jobId})` };
    }
    case 'remove': {
      const gid = need(args[0], 'the access group id', 'access-groups remove');
      const res = await api.call<{ removed: string; jobId: string }>(
        'DELETE',
        `/api/v1/access-groups/${encodeURIComponent(gid)}`,
      );
      return {
        data: res,
        human: `removed ${res.removed}; its authorizations go (job ${res.jobId})`,
      };
    }
    default:
      throw new UsageError(`unknown command access-groups ${sub ?? ''}`);
  }
}

interface LdapView {
  url: string;
  startTls: boolean;
  bindDn: string;
  bindPasswordSet: boolean;
  userBase: string;
  groupBase: string;
  pageSize: number;
  nestingDepth: number;
  serverKind: string;
  incremental: boolean;
  fullSyncEvery: number;
  keyCommentPattern: string | null;
  keyCommentField: string;
  accountMatch: string;
  updatedBy: string;
  updatedAt: number;
}
interface SyncStateView {
  serverKind: string;
  mark: { attribute: string; value: string } | null;
  runsSinceFull: number;
  lastFullAt: number | null;
  lastRunAt: number;
}
const showLdap = (s: LdapView) =>
  [
    `${s.url}${s.startTls ? ' (StartTLS)' : ''} as ${s.bindDn}, password ${s.bindPasswordSet ? 'set' : 'not set'}; users under ${s.userBase}, groups under ${s.groupBase} (by ${s.updatedBy} ${time(s.updatedAt)})`,
    `server ${s.serverKind}; pages of ${s.pageSize}; nesting followed ${s.nestingDepth} deep; ${s.incremental ? `incremental, a full sync every ${s.fullSyncEvery} runs` : 'every sync full'}`,
    `key comments: ${s.keyCommentPattern ? `${s.keyCommentPattern} → ${s.keyCommentField}` : 'not matched'}; fleet accounts matched by ${s.accountMatch === 'uid' ? 'uid and mappings' : 'mappings only'}`,
  ].join('\n');
const showSync = (st: SyncStateView | null) =>
  st
    ? `last sync ${time(st.lastRunAt)} (${st.serverKind}); last full ${st.lastFullAt ? time(st.lastFullAt) : '-'}, ${st.runsSinceFull} incremental since; mark ${st.mark ? `${st.mark.attribute} ${st.mark.value}` : '- (every run full)'}`
    : 'no sync has completed yet';
const intOf = (v: string | undefined, flag: string) => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag}: ${JSON.stringify(v)} is not a whole number`);
  return Number(v);
};

export async function directoryCommand(
  api: ApiClient,
  sub: string | undefined,
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'set': {
      const cmd = 'directory set';
      const pw = o['bind-password-file'];
      const body = {
        url: need(o['ldap-url'], '--ldap-url', cmd),
        ...(o['no-starttls'] ? { startTls: false } : {}),
        ...(o['ca-file'] ? { caCertificate: readFileSync(o['ca-file'], 'utf8') } : {}),
        bindDn: need(o['bind-dn'], '--bind-dn', cmd),
        ...(pw
          ? { bindPassword: readFileSync(pw === '-' ? 0 : pw, 'utf8').replace(/\r?\n$/, '') }
          : {}),
        userBase: need(o['user-base'], '--user-base', cmd),
        ...(o['user-filter'] ? { userFilter: o['user-filter'] } : {}),
        ...(o['group-base'] ? { groupBase: o['group-base'] } : {}),
        ...(o['group-filter'] ? { groupFilter: o['group-filter'] } : {}),
        ...(o['page-size'] ? { pageSize: intOf(o['page-size'], '--page-size') } : {}),
        ...(o['nesting-depth']
          ? { nestingDepth: intOf(o['nesting-depth'], '--nesting-depth') }
          : {}),
        ...(o['server-kind'] ? { serverKind: o['server-kind'] } : {}),
        ...(o['no-incremental'] ? { incremental: false } : {}),
        ...(o['full-sync-every']
          ? { fullSyncEvery: intOf(o['full-sync-every'], '--full-sync-every') }
          : {}),
        ...(o['key-comment-pattern'] ? { keyCommentPattern: o['key-comment-pattern'] } : {}),
        ...(o['key-comment-field'] ? { keyCommentField: o['key-comment-field'] } : {}),
        ...(o['account-match'] ? { accountMatch: o['account-match'] } : {}),
      };
      const s = await api.call<LdapView>('PUT', '/api/v1/directory/ldap', body);
      return { data: s, human: showLdap(s) };
    }
    case 'show': {
      const s = await api.call<LdapView>('GET', '/api/v1/directory/ldap');
      const sync = await api
        .call<SyncStateView>('GET', '/api/v1/directory/sync-state')
        .catch((err: unknown) => {
          if ((err as { status?: number }).status === 404) return null;
          throw err;
        });
      return { data: { ...s, sync }, human: `${showLdap(s)}\n${showSync(sync)}` };
    }
    default:
      throw new UsageError(`unknown command directory ${sub ?? ''}`);
  }
}
