/**
 * `keywarden policies ...`: list, show (with versions), add, edit, remove and dry-run
 * policies; `keywarden reports daily`: the daily reporting block. Every command prints the
 * API's answer as is with --json.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { UsageError } from './option-values';

export const POLICIES_OPTIONS = {
  severity: { type: 'string' },
  // shared with `applications --rule`, which repeats: a policy takes exactly one
  rule: { type: 'string', multiple: true },
  scope: { type: 'string' },
  version: { type: 'string' },
  versions: { type: 'boolean' },
  all: { type: 'boolean' },
  remove: { type: 'boolean' },
  date: { type: 'string' },
} as const;

export const POLICIES_USAGE = `  policies list [--all] | policies show ID [--versions]
  policies add --name NAME --severity info|warning|critical --rule JSON [--scope JSON] [--description D] [--id ID] [--disable]
  policies edit ID [--name N] [--severity S] [--rule JSON] [--scope JSON] [--description D] [--enable|--disable] [--version N]
  policies remove ID
  policies dry-run [ID] [fields as add/edit] | policies dry-run ID --remove
  reports daily [--date YYYY-MM-DD]`;

interface Policy {
  id: string;
  name: string;
  severity: string;
  enabled: boolean;
  version: number;
  rule: { kind: string };
  scope: Record<string, unknown>;
  explanation?: string;
  updatedAt: number;
  updatedBy: string;
  removedAt: number | null;
}

function json(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`--${flag}: expected JSON, got ${text}`);
  }
}

/** The fields given on the command line, as the API takes them. */
function fields(o: Options): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.name !== undefined) out.name = o.name;
  if (o.description !== undefined) out.description = o.description;
  if (o.severity !== undefined) out.severity = o.severity;
  if (o.rule !== undefined) {
    if (o.rule.length !== 1) throw new UsageError('--rule: a policy has exactly one rule');
    out.rule = json('rule', o.rule[0] ?? '');
  }
  if (o.scope !== undefined) out.scope = json('scope', o.scope);
  if (o.enable) out.enabled = true;
  if (o.disable) out.enabled = false;
  return out;
}

const row = (p: Policy) => ({
  id: p.id,
  name: p.name,
  severity: p.severity,
  enabled: p.enabled,
  rule: p.rule.kind,
  version: p.version,
  updated: `${time(p.updatedAt)} ${p.updatedBy}`,
  removed: p.removedAt === null ? '' : time(p.removedAt),
});
const COLUMNS = ['id', 'name', 'severity', 'enabled', 'rule', 'version', 'updated'];

interface DryRun {
  policy: Policy;
  hosts: number;
  findings: number;
  wouldRaise: { count: number; items: Array<{ severity: string; message: string }> };
  wouldResolve: { count: number; items: Array<{ alertId?: string; message: string }> };
  unchanged: number;
}

function dryRunText(r: DryRun): string {
  const raise = r.wouldRaise.items.map((i) => `  + [${i.severity}] ${i.message}`);
  const resolve = r.wouldResolve.items.map((i) => `  - ${i.alertId ?? ''} ${i.message}`);
  return [
    `dry run of ${r.policy.name} (${r.policy.rule.kind}) over ${r.hosts} hosts: ${r.findings} finding(s); nothing was saved`,
    `would raise ${r.wouldRaise.count}${r.wouldRaise.count > raise.length ? ` (first ${raise.length} shown)` : ''}:`,
    ...raise,
    `would resolve ${r.wouldResolve.count}${r.wouldResolve.count > resolve.length ? ` (first ${resolve.length} shown)` : ''}:`,
    ...resolve,
    `unchanged (already alerted): ${r.unchanged}`,
  ].join('\n');
}

export async function policiesCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  const id = args[0];
  const need = (what: string) => {
    if (!id) throw new UsageError(`policies ${what}: give the policy id`);
    return encodeURIComponent(id);
  };
  switch (sub) {
    case 'list': {
      const res = await api.call<{ items: Policy[] }>(
        'GET',
        `/api/v1/policies${o.all ? '?includeRemoved=true' : ''}`,
      );
      return {
        data: res,
        human: table(res.items.map(row), o.all ? [...COLUMNS, 'removed'] : COLUMNS),
      };
    }
    case 'show': {
      const p = need('show');
      if (o.versions) {
        const res = await api.call<{ items: Policy[] }>('GET', `/api/v1/policies/${p}/versions`);
        return { data: res, human: table(res.items.map(row), [...COLUMNS, 'removed']) };
      }
      const res = await api.call<Policy>('GET', `/api/v1/policies/${p}`);
      return {
        data: res,
        human: `${res.id} v${res.version}: ${res.name} [${res.severity}${res.enabled ? '' : ', disabled'}]\n  ${res.explanation ?? res.rule.kind}\n  rule: ${JSON.stringify(res.rule)}\n  scope: ${JSON.stringify(res.scope)}`,
      };
    }
    case 'add': {
      const body = { ...(o.id !== undefined ? { id: o.id } : {}), ...fields(o) };
      const res = await api.call<{ policy: Policy; jobId: string }>(
        'POST',
        '/api/v1/policies',
        body,
      );
      return {
        data: res,
        human: `policy ${res.policy.id} added; job ${res.jobId} evaluates it over the inventory`,
      };
    }
    case 'edit': {
      const p = need('edit');
      const body = {
        ...fields(o),
        ...(o.version !== undefined ? { version: Number(o.version) } : {}),
      };
      const res = await api.call<{ policy: Policy; jobId: string }>(
        'PATCH',
        `/api/v1/policies/${p}`,
        body,
      );
      return {
        data: res,
        human: `policy ${res.policy.id} is at version ${res.policy.version}; job ${res.jobId} evaluates it again`,
      };
    }
    case 'remove': {
      const p = need('remove');
      const res = await api.call<{ policy: Policy; jobId: string }>(
        'DELETE',
        `/api/v1/policies/${p}`,
      );
      return {
        data: res,
        human: `policy ${res.policy.id} removed (versions kept); job ${res.jobId} resolves its alerts`,
      };
    }
    case 'dry-run': {
      const body = id
        ? o.remove
          ? { id, remove: true }
          : { id, policy: fields(o) }
        : { policy: fields(o) };
      const res = await api.call<DryRun>('POST', '/api/v1/policies/dry-run', body);
      return { data: res, human: dryRunText(res) };
    }
    default:
      throw new UsageError(`unknown policies command ${sub ?? ''}`);
  }
}

interface Tally {
  byPolicy: Record<string, number>;
  bySeverity: Record<string, number>;
}

export async function dailyReportCommand(api: ApiClient, o: Options): Promise<Output> {
  const res = await api.call<{
    id: string;
    date: string;
    createdAt: number;
    data: {
      hosts: number;
      policies?: {
        findings: number;
        groups: Record<string, Tally>;
        totals: Tally;
        trends: { totals: Tally; groups: Record<string, Tally> } | null;
      };
    };
  }>('GET', `/api/v1/reports/daily${o.date ? `?date=${encodeURIComponent(o.date)}` : ''}`);
  const p = res.data.policies;
  const signed = (n: number | undefined) => (n === undefined ? '' : n > 0 ? `+${n}` : String(n));
  const rows = p
    ? Object.entries(p.groups).flatMap(([group, t]) =>
        Object.entries(t.byPolicy).map(([policy, n]) => ({
          group,
          policy,
          findings: n,
          trend: signed(p.trends?.groups[group]?.byPolicy[policy]),
        })),
      )
    : [];
  const sev = p
    ? Object.entries(p.totals.bySeverity)
        .map(
          ([s, n]) =>
            `${s} ${n}${p.trends ? ` (${signed(p.trends.totals.bySeverity[s] ?? 0)})` : ''}`,
        )
        .join(', ')
    : 'no policy evaluation in this block';
  return {
    data: res,
    human: `daily block ${res.date} (${time(res.createdAt)}): ${res.data.hosts} hosts; findings by severity: ${sev || 'none'}\n${table(rows, ['group', 'policy', 'findings', 'trend'])}`,
  };
}
