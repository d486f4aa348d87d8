/**
 * `keywarden purge ...`: purge requests. One admin asks to purge audit or key-activity
 * records older than a date; another approves, and purge-database-objects carries it out.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { intOption, UsageError } from './option-values';

export const PURGE_OPTIONS = {
  before: { type: 'string' },
} as const;

export const PURGE_USAGE = `  purge request audit|key-activity --before DATE [--reason TEXT]   (another admin approves)
  purge list [--state pending,approved,rejected,done] | purge show ID | purge approve ID | purge reject ID`;

type Request = Record<string, unknown> & { id: string; kind: string; state: string };
const row = (r: Request) => ({
  ...r,
  before: time(r.before),
  requested: `${time(r.requestedAt)} ${String(r.requestedBy)}`,
  decided: r.decidedBy ? `${time(r.decidedAt)} ${String(r.decidedBy)}` : null,
});
const COLUMNS = ['id', 'kind', 'before', 'state', 'requested', 'decided', 'purged'];
const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};

export async function purgeCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  const one = (id: string | undefined) =>
    `/api/v1/purge-requests/${encodeURIComponent(need(id, 'purge request id'))}`;
  switch (sub) {
    case 'request': {
      const kind = need(args[0], 'what to purge: audit or key-activity');
      const req = await api.call<Request>('POST', '/api/v1/purge-requests', {
        kind,
        before: need(o.before, '--before DATE'),
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
      });
      return {
        data: req,
        human: `requested ${req.id}: purge ${kind} older than ${time(req.before)}; another admin runs: keywarden purge approve ${req.id}`,
      };
    }
    case 'list': {
      const q = new URLSearchParams();
      if (o.state) q.set('state', o.state);
      const limit = intOption(o.limit, 'limit');
      if (limit !== undefined) q.set('limit', String(limit));
      if (o.cursor) q.set('cursor', o.cursor);
      const page = await api.call<{ items: Request[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/purge-requests${q.size ? `?${q}` : ''}`,
      );
      return { data: page, human: table(page.items.map(row), COLUMNS) };
    }
    case 'show': {
      const req = await api.call<Request>('GET', one(args[0]));
      return { data: req, human: JSON.stringify(req, null, 2) };
    }
    case 'approve': {
      const res = await api.call<{ request: Request; job: { id: string } }>(
        'POST',
        `${one(args[0])}/approve`,
      );
      return {
        data: res,
        human: `approved ${res.request.id}: purge-database-objects job ${res.job.id}`,
      };
    }
    case 'reject': {
      const req = await api.call<Request>('POST', `${one(args[0])}/reject`);
      return { data: req, human: `rejected ${req.id}` };
    }
    default:
      throw new UsageError(
        `purge: unknown command ${sub ?? '(none)'}; use request, list, show, approve or reject`,
      );
  }
}
