/** `keywarden access ...`: who can reach what, from the access graph (docs/access-graph.md). */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { intOption, UsageError } from './option-values';

export const ACCESS_OPTIONS = {
  'max-hops': { type: 'string' },
  format: { type: 'string' },
  'include-removed': { type: 'boolean', default: false },
} as const;

export const ACCESS_USAGE = `  access who-can-reach HOST [--account A] [--at T] [--max-hops N] [--limit N]
  access key-reach SHA256:... [--at T] [--max-hops N] [--limit N]
  access who-could-log-in HOST --at T [--account A]
  access graph [--format json|dot|graphml [--host H] [--include-removed]]   (no format: the snapshot's summary)`;

interface Step {
  kind: 'opens' | 'stored-in';
  fingerprint: string;
  hostId: string;
  account: string;
  path?: string;
}

/** `K1 -> alice@A =[~/.ssh/id_ed25519: K2]=> bob@B` */
function pathText(steps: Step[]): string {
  return steps
    .map((s) =>
      s.kind === 'opens' ? `-> ${s.account}@${s.hostId}` : `=[${s.path ?? ''}: ${s.fingerprint}]=>`,
    )
    .join(' ');
}

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  return q.toString();
}

const reachParams = (o: Options) => ({
  at: o.at,
  maxHops: intOption(o['max-hops'], '--max-hops'),
  limit: intOption(o.limit, '--limit'),
});

export async function accessCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'who-can-reach': {
      const host = need(args[0], 'HOST');
      const res = await api.call<{
        items: Array<{ fingerprint: string; hops: number; path: Step[] }>;
        truncated: boolean;
      }>(
        'GET',
        `/api/v1/access/who-can-reach?${query({ host, account: o.account, ...reachParams(o) })}`,
      );
      const rows = res.items.map((r) => ({
        key: r.fingerprint,
        hops: r.hops,
        path: `${r.fingerprint} ${pathText(r.path)}`,
      }));
      return {
        data: res,
        human:
          table(rows, ['key', 'hops', 'path']) +
          (res.truncated ? '\n(truncated: raise --limit)' : ''),
      };
    }
    case 'key-reach': {
      const fingerprint = need(args[0], 'SHA256:... fingerprint');
      const res = await api.call<{
        items: Array<{ hostId: string; account: string; hops: number; path: Step[] }>;
        truncated: boolean;
      }>('GET', `/api/v1/access/key-reach?${query({ fingerprint, ...reachParams(o) })}`);
      const rows = res.items.map((r) => ({
        host: r.hostId,
        account: r.account,
        hops: r.hops,
        path: `${fingerprint} ${pathText(r.path)}`,
      }));
      return {
        data: res,
        human:
          table(rows, ['host', 'account', 'hops', 'path']) +
          (res.truncated ? '\n(truncated: raise --limit)' : ''),
      };
    }
    case 'who-could-log-in': {
      const host = need(args[0], 'HOST');
      const at = need(o.at, '--at (ISO 8601 or ms since the epoch)');
      const res = await api.call<{ items: Array<Record<string, unknown>> }>(
        'GET',
        `/api/v1/access/who-could-log-in?${query({ host, at, account: o.account })}`,
      );
      const rows = res.items.map((r) => ({
        ...r,
        firstSeen: time(r.firstSeenAt),
        removed: time(r.removedAt),
      }));
      return {
        data: res,
        human: table(rows, ['account', 'fingerprint', 'file', 'line', 'firstSeen', 'removed']),
      };
    }
    case 'graph': {
      if (o.format === undefined) {
        const meta = await api.call<{
          id: string;
          createdAt: number;
          stats: Record<string, number>;
        }>('GET', '/api/v1/access/graph');
        return {
          data: meta,
          human: `snapshot ${meta.id} built ${time(meta.createdAt)}\n${table(
            Object.entries(meta.stats).map(([k, v]) => ({ count: k, value: v })),
            ['count', 'value'],
          )}`,
        };
      }
      if (!['json', 'dot', 'graphml'].includes(o.format))
        throw new UsageError(
          `--format: expected json, dot or graphml, got ${JSON.stringify(o.format)}`,
        );
      const path = `/api/v1/access/graph/export?${query({ format: o.format, host: o.host, includeRemoved: o['include-removed'] || undefined })}`;
      const text = await api.text('GET', path);
      return {
        data: o.format === 'json' ? (JSON.parse(text) as unknown) : text,
        human: text.replace(/\n$/, ''),
      };
    }
    default:
      throw new UsageError(
        `unknown access command ${sub ?? ''}: who-can-reach, key-reach, who-could-log-in, graph`,
      );
  }
}
