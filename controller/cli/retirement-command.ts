/**
 * `keywarden keys quarantine|restore|retire|unused|quarantines`: unused keys retired in
 * stages (docs/key-retirement.md). Each stage queues its job and says how to follow it.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { intOption, UsageError } from './option-values';

export const RETIREMENT_OPTIONS = {
  days: { type: 'string' },
  'watch-days': { type: 'string' },
} as const;

export const RETIREMENT_COMMANDS = [
  'quarantine',
  'restore',
  'retire',
  'unused',
  'quarantines',
] as const;

export const RETIREMENT_USAGE = `  keys unused --days N [--limit N]
  keys quarantine SHA256:... --days N [--watch-days N] [--host H] [--account A] [--params JSON]
  keys restore SHA256:... [--host H] [--account A] | keys retire SHA256:... [--host H] [--account A]
  keys quarantines [--fingerprint SHA256:...] [--host H] [--state S]`;

function extraParams(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  try {
    const v: unknown = JSON.parse(json);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`--params: expected a JSON object, got ${json}`);
}

const NEXT: Record<string, string> = {
  quarantine: 'its lines now let no login through; undo with keywarden keys restore',
  restore: 'its original lines go back byte for byte',
  retire: 'its quarantined lines are deleted',
};

export async function retirementCommand(
  api: ApiClient,
  sub: (typeof RETIREMENT_COMMANDS)[number],
  args: string[],
  o: Options,
): Promise<Output> {
  if (sub === 'unused') {
    const days = intOption(o.days, 'days');
    if (days === undefined) throw new UsageError('keys unused: give --days N');
    const limit = intOption(o.limit, 'limit');
    const q = new URLSearchParams({ days: String(days) });
    if (limit !== undefined) q.set('limit', String(limit));
    const res = await api.call<{ items: Array<Record<string, unknown>>; truncated: boolean }>(
      'GET',
      `/api/v1/keys/unused?${q}`,
    );
    const rows = res.items.map((k) => ({
      ...k,
      'last-used': k.lastUsedAt === null ? 'never' : time(k.lastUsedAt),
      'first-seen': time(k.firstSeenAt),
    }));
    const cols = ['fingerprint', 'lines', 'hosts', 'last-used', 'first-seen', 'quarantined'];
    return {
      data: res,
      human: table(rows, cols) + (res.truncated ? '\n(more: raise --limit)' : ''),
    };
  }
  if (sub === 'quarantines') {
    const q = new URLSearchParams();
    if (o.fingerprint) q.set('fingerprint', o.fingerprint);
    if (o.host) q.set('hostId', o.host);
    if (o.state) q.set('state', o.state);
    const res = await api.call<{ items: Array<Record<string, unknown>> }>(
      'GET',
      `/api/v1/keys/quarantines${q.size ? `?${q}` : ''}`,
    );
    const rows = res.items.map((r) => ({ ...r, 'watch-until': time(r.watchUntil) }));
    return {
      data: res,
      human: table(rows, ['fingerprint', 'hostId', 'account', 'file', 'state', 'watch-until']),
    };
  }
  const fingerprint = args[0];
  if (!fingerprint) throw new UsageError(`keys ${sub}: give the key fingerprint (SHA256:...)`);
  const body: Record<string, unknown> = {
    ...extraParams(o.params),
    fingerprint,
    ...(o.host ? { hostId: o.host } : {}),
    ...(o.account ? { account: o.account } : {}),
  };
  if (sub === 'quarantine') {
    const days = intOption(o.days, 'days');
    if (days === undefined)
      throw new UsageError('keys quarantine: give --days N (unused for at least N days)');
    body.unusedDays = days;
    const watch = intOption(o['watch-days'], 'watch-days');
    if (watch !== undefined) body.watchDays = watch;
  }
  const res = await api.call<{ jobId: string }>('POST', `/api/v1/keys/${sub}`, body);
  return {
    data: res,
    human: `${fingerprint}: job ${res.jobId} queued; ${NEXT[sub]} (keywarden jobs show ${res.jobId})`,
  };
}
