/**
 * `keywarden authorizations ...`: grant a key to an account on a host or a group, list and
 * show grants (with where each is placed), remove one. A public key is read from a file
 * (`-` for stdin); options are given as `--option NAME[=VALUE]`, repeated.
 */
import { readFileSync } from 'node:fs';
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { durationOption, intOption, UsageError } from './option-values';
import { approvalSpec, describeApproval } from './approvals-command';

export const AUTHORIZATIONS_OPTIONS = {
  'public-key-file': { type: 'string' },
  'private-key': { type: 'string' },
  option: { type: 'string', multiple: true },
  expires: { type: 'string' },
  'on-drift': { type: 'string' },
} as const;

export const AUTHORIZATIONS_USAGE = `  authorizations add (--public-key-file F | --private-key HOST-ID:/PATH) --account A (--host ID | --group ID)
      [--option NAME[=VALUE] ...] [--expires ISO-TIME|+DURATION] [--on-drift restore|drop]
      [--approver NAME:EMAIL|person:ID ... [--required N] [--ttl D]] [--reason TEXT]: wait for approvers
  authorizations list [--state active,removed,expired] [--fingerprint SHA256:...] [--account A] [--host ID] [--group ID] [--limit N] [--cursor C]
  authorizations show ID | authorizations remove ID`;

type Row = Record<string, unknown> & { id: string };
interface AuthorizationView extends Row {
  fingerprint: string;
  account: string;
  target: { hostId?: string; groupId?: string };
  options: Array<{ name: string; value?: string }>;
  expiresAt: number | null;
  state: string;
}

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};

function expiresAt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('+')) return Date.now() + (durationOption(value.slice(1), 'expires') ?? 0);
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new UsageError(`--expires: expected an ISO 8601 time or +DURATION (+2h), got ${value}`);
  return ms;
}

function optionList(values: string[] | undefined): Array<{ name: string; value?: string }> {
  return (values ?? []).map((v) => {
    const eq = v.indexOf('=');
    return eq < 0 ? { name: v } : { name: v.slice(0, eq), value: v.slice(eq + 1) };
  });
}

const optionsText = (a: AuthorizationView) =>
  a.options.map((o) => (o.value === undefined ? o.name : `${o.name}="${o.value}"`)).join(',') ||
  '-';
const row = (a: AuthorizationView) => ({
  ...a,
  target: a.target.groupId ? `group ${a.target.groupId}` : `host ${a.target.hostId ?? ''}`,
  expires: a.expiresAt === null ? '-' : time(a.expiresAt),
  options: optionsText(a),
});
const COLUMNS = ['id', 'state', 'fingerprint', 'account', 'target', 'expires', 'options'];

export async function authorizationsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'add': {
      if (Boolean(o['public-key-file']) === Boolean(o['private-key']))
        throw new UsageError('authorizations add: give --public-key-file or --private-key');
      if (Boolean(o.host) === Boolean(o.group))
        throw new UsageError('authorizations add: give --host or --group');
      const file = o['public-key-file'];
      const pk = o['private-key'];
      const colon = pk?.indexOf(':') ?? -1;
      if (pk !== undefined && colon < 1)
        throw new UsageError(`--private-key: expected HOST-ID:/PATH, got ${pk}`);
      const expires = expiresAt(o.expires);
      const approval = approvalSpec(o);
      const body = {
        ...(file ? { publicKey: readFileSync(file === '-' ? 0 : file, 'utf8').trim() } : {}),
        ...(pk ? { privateKey: { hostId: pk.slice(0, colon), path: pk.slice(colon + 1) } } : {}),
        account: need(o.account, '--account'),
        ...(o.host ? { hostId: o.host } : {}),
        ...(o.group ? { groupId: o.group } : {}),
        ...(o.option ? { options: optionList(o.option) } : {}),
        ...(expires !== undefined ? { expiresAt: expires } : {}),
        ...(o['on-drift'] ? { onDrift: o['on-drift'] } : {}),
        ...(approval ? { approval } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
      };
      const res = await api.call<
        | { authorization: AuthorizationView; jobId: string }
        | { approval: Parameters<typeof describeApproval>[0] }
      >('POST', '/api/v1/authorizations', body);
      if ('approval' in res)
        return { data: res, human: `waiting for approval: ${describeApproval(res.approval)}` };
      const a = res.authorization;
      return {
        data: res,
        human: `authorization ${a.id}: ${a.fingerprint} may log in as ${a.account} on ${row(a).target}${a.expiresAt === null ? '' : ` until ${time(a.expiresAt)}`}; job ${res.jobId} places it`,
      };
    }
    case 'list': {
      const q = new URLSearchParams();
      if (o.state) q.set('state', o.state);
      if (o.fingerprint) q.set('fingerprint', o.fingerprint);
      if (o.account) q.set('account', o.account);
      if (o.host) q.set('hostId', o.host);
      if (o.group) q.set('groupId', o.group);
      if (o.cursor) q.set('cursor', o.cursor);
      const limit = intOption(o.limit, 'limit');
      if (limit !== undefined) q.set('limit', String(limit));
      const res = await api.call<{ items: AuthorizationView[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/authorizations${q.size ? `?${q}` : ''}`,
      );
      return {
        data: res,
        human:
          table(res.items.map(row), COLUMNS) +
          (res.nextCursor ? `\nmore: --cursor ${res.nextCursor}` : ''),
      };
    }
    case 'show': {
      const id = need(args[0], 'authorization id');
      const res = await api.call<{ authorization: AuthorizationView; placements: Row[] }>(
        'GET',
        `/api/v1/authorizations/${encodeURIComponent(id)}`,
      );
      const a = row(res.authorization);
      const lines = Object.entries(a).map(
        ([k, v]) =>
          `${k}: ${v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
      );
      const placements = res.placements.map((p) => ({ ...p, confirmed: time(p.confirmedAt) }));
      return {
        data: res,
        human: `${lines.join('\n')}\nplacements:\n${table(placements, ['hostId', 'state', 'confirmed', 'jobId', 'error'])}`,
      };
    }
    case 'remove': {
      const id = need(args[0], 'authorization id');
      const res = await api.call<{ authorization: AuthorizationView; jobId: string }>(
        'DELETE',
        `/api/v1/authorizations/${encodeURIComponent(id)}`,
      );
      return {
        data: res,
        human: `authorization ${id} removed; job ${res.jobId} takes it off its hosts`,
      };
    }
    default:
      throw new UsageError(`unknown authorizations command ${sub ?? ''}`);
  }
}
