/**
 * `keywarden groups ...`, `keywarden intervals ...` and `keywarden hosts set-group`: host
 * groups and the global, group and host scan intervals. A change that moves schedules
 * prints the update-job-intervals job applying it.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { duration, table, time } from './format';
import type { Output } from './job-commands';
import { durationOption, intOption, UsageError } from './option-values';

export const GROUPS_OPTIONS = {
  description: { type: 'string' },
  id: { type: 'string' },
  'authorized-keys': { type: 'string' },
  configs: { type: 'string' },
  'key-activity': { type: 'string' },
  full: { type: 'string' },
} as const;

export const GROUPS_USAGE = `  groups list [--limit N] [--cursor C] | groups show ID | groups delete ID
  groups create NAME [--id ID] [--description D] | groups set ID [--name N] [--description D]
  intervals show [--host H | --group G]
  intervals set [--host H | --group G] [--authorized-keys D] [--configs D] [--key-activity D] [--full D]
                                      (D: 30m, 6h, 1d; off; inherit, for a host or group)
  hosts set-group HOST GROUP|none`;

const SCAN_OPTIONS = {
  'authorized-keys': 'scan-authorized-keys',
  configs: 'scan-configs',
  'key-activity': 'scan-host-key-activity',
  full: 'scan-full',
} as const;

type Row = Record<string, unknown> & { id: string };
type Intervals = Record<string, number | null>;

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};
const enc = encodeURIComponent;
const shown = (v: number | null | undefined) =>
  v === null || v === undefined ? 'inherit' : v === 0 ? 'off' : duration(v);
const updated = (id: unknown) => (id ? `; schedules follow (job ${String(id)})` : '');

/** --full 6h etc. into {"scan-full": ms}; "off" is 0, "inherit" null (not for defaults). */
function intervalOptions(o: Options, inherit: boolean): Intervals {
  const out: Intervals = {};
  for (const [opt, type] of Object.entries(SCAN_OPTIONS)) {
    const v = o[opt as keyof typeof SCAN_OPTIONS];
    if (v === undefined) continue;
    if (v === 'off') out[type] = 0;
    else if (v === 'inherit') {
      if (!inherit)
        throw new UsageError(`--${opt} inherit: the global defaults inherit from nothing`);
      out[type] = null;
    } else out[type] = durationOption(v, opt) ?? null;
  }
  if (Object.keys(out).length === 0)
    throw new UsageError(
      'intervals set: give --authorized-keys, --configs, --key-activity or --full',
    );
  return out;
}

function intervalTable(columns: Record<string, Intervals | null>): string {
  const rows = Object.values(SCAN_OPTIONS).map((type) => {
    const row: Record<string, unknown> = { scan: type };
    for (const [name, values] of Object.entries(columns))
      row[name] = values ? shown(values[type]) : '-';
    return row;
  });
  return table(rows, ['scan', ...Object.keys(columns)]);
}

type HostIntervals = {
  hostId: string;
  host: Intervals;
  group: { id: string; name: string; scanIntervalsMs: Intervals } | null;
  defaults: Intervals;
  effective: Intervals;
  schedule: Array<{ scanType: string; nextDueAt: number }>;
  updateJobId?: string | null;
};
function hostIntervalsText(h: HostIntervals): string {
  const due = Object.fromEntries(h.schedule.map((e) => [e.scanType, e.nextDueAt]));
  const rows = Object.values(SCAN_OPTIONS).map((type) => ({
    scan: type,
    host: shown(h.host[type]),
    group: h.group ? shown(h.group.scanIntervalsMs[type]) : '-',
    default: shown(h.defaults[type]),
    effective: shown(h.effective[type]),
    'next-due': time(due[type]),
  }));
  return `host ${h.hostId}${h.group ? ` in group ${h.group.name} (${h.group.id})` : ''}\n${table(rows, ['scan', 'host', 'group', 'default', 'effective', 'next-due'])}`;
}

export async function groupsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'list': {
      const q = new URLSearchParams();
      const limit = intOption(o.limit, 'limit');
      if (limit !== undefined) q.set('limit', String(limit));
      if (o.cursor) q.set('cursor', o.cursor);
      const res = await api.call<{ items: Row[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/host-groups${q.size ? `?${q}` : ''}`,
      );
      const rows = res.items.map((g) => ({
        ...g,
        intervals:
          Object.entries(g.scanIntervalsMs as Intervals)
            .filter(([, v]) => v !== null)
            .map(([k, v]) => `${k}=${shown(v)}`)
            .join(' ') || null,
      }));
      const more = res.nextCursor ? `\nmore: --cursor ${res.nextCursor}` : '';
      return { data: res, human: table(rows, ['id', 'name', 'description', 'intervals']) + more };
    }
    case 'show': {
      const g = await api.call<Row>('GET', `/api/v1/host-groups/${enc(need(args[0], 'group id'))}`);
      return {
        data: g,
        human: `group ${g.id}: ${String(g.name)}\n${String(g.description)}\n${intervalTable({ group: g.scanIntervalsMs as Intervals })}`,
      };
    }
    case 'create': {
      const g = await api.call<Row>('POST', '/api/v1/host-groups', {
        name: need(args[0], 'group name'),
        ...(o.id ? { id: o.id } : {}),
        ...(o.description !== undefined ? { description: o.description } : {}),
      });
      return { data: g, human: `group ${g.id} (${String(g.name)}) created` };
    }
    case 'set': {
      const body = {
        ...(o.name ? { name: o.name } : {}),
        ...(o.description !== undefined ? { description: o.description } : {}),
      };
      if (Object.keys(body).length === 0)
        throw new UsageError('groups set: give --name or --description');
      const res = await api.call<{ group: Row }>(
        'PATCH',
        `/api/v1/host-groups/${enc(need(args[0], 'group id'))}`,
        body,
      );
      return { data: res, human: `group ${res.group.id} changed` };
    }
    case 'delete': {
      const id = need(args[0], 'group id');
      const res = await api.call<{ updateJobId: string | null }>(
        'DELETE',
        `/api/v1/host-groups/${enc(id)}`,
      );
      return { data: res, human: `group ${id} deleted${updated(res.updateJobId)}` };
    }
    default:
      throw new UsageError(
        `groups: unknown command ${sub ?? '(none)'}; use list, show, create, set or delete`,
      );
  }
}

export async function intervalsCommand(
  api: ApiClient,
  sub: string | undefined,
  o: Options,
): Promise<Output> {
  if (o.host && o.group) throw new UsageError('give --host or --group, not both');
  if (sub === 'show') {
    if (o.host) {
      const h = await api.call<HostIntervals>('GET', `/api/v1/hosts/${enc(o.host)}/scan-intervals`);
      return { data: h, human: hostIntervalsText(h) };
    }
    if (o.group) {
      const g = await api.call<Row>('GET', `/api/v1/host-groups/${enc(o.group)}`);
      return { data: g, human: intervalTable({ group: g.scanIntervalsMs as Intervals }) };
    }
    const d = await api.call<{ defaults: Intervals; builtIn: boolean }>(
      'GET',
      '/api/v1/scan-intervals',
    );
    return {
      data: d,
      human: `${intervalTable({ default: d.defaults })}${d.builtIn ? '\n(built-in defaults)' : ''}`,
    };
  }
  if (sub === 'set') {
    if (o.host) {
      const h = await api.call<HostIntervals>(
        'PATCH',
        `/api/v1/hosts/${enc(o.host)}/scan-intervals`,
        intervalOptions(o, true),
      );
      return { data: h, human: `${hostIntervalsText(h)}${updated(h.updateJobId)}` };
    }
    if (o.group) {
      const res = await api.call<{ group: Row; updateJobId: string | null }>(
        'PATCH',
        `/api/v1/host-groups/${enc(o.group)}`,
        { scanIntervalsMs: intervalOptions(o, true) },
      );
      return {
        data: res,
        human: `${intervalTable({ group: res.group.scanIntervalsMs as Intervals })}${updated(res.updateJobId)}`,
      };
    }
    const res = await api.call<{ defaults: Intervals; updateJobId: string | null }>(
      'PATCH',
      '/api/v1/scan-intervals',
      intervalOptions(o, false),
    );
    return {
      data: res,
      human: `${intervalTable({ default: res.defaults })}${updated(res.updateJobId)}`,
    };
  }
  throw new UsageError(`intervals: unknown command ${sub ?? '(none)'}; use show or set`);
}

export async function setGroupCommand(api: ApiClient, args: string[]): Promise<Output> {
  const host = need(args[0], 'host id');
  const group = need(args[1], 'group id (or none)');
  const h = await api.call<HostIntervals>('PUT', `/api/v1/hosts/${enc(host)}/group`, {
    groupId: group === 'none' ? null : group,
  });
  return { data: h, human: `${hostIntervalsText(h)}${updated(h.updateJobId)}` };
}
