/**
 * `keywarden blacklist ...`: blacklist a key (remove it everywhere and put it in every managed
 * host's revocation list), list the blacklist, and show how far a revocation has got: the
 * hosts that confirmed it, those pending, and the time to revoke.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { UsageError } from './option-values';

export const BLACKLIST_OPTIONS = {
  reason: { type: 'string' },
} as const;

export const BLACKLIST_USAGE = `  blacklist add SHA256:... --reason TEXT [--params JSON]   (more blacklist-keys params: reloadCommand, sshdConfigPath, targets...)
  blacklist list | blacklist show SHA256:...`;

interface Revocation {
  fingerprint: string;
  reason: string;
  requestedAt: number;
  requestedBy: string;
  confirmed: Array<{ hostId: string; confirmedAt: number; afterMs: number }>;
  pending: Array<{
    hostId: string;
    job: { id: string; state: string; error: string | null } | null;
  }>;
  completedAt: number | null;
  timeToRevokeMs: number | null;
}

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

export async function blacklistCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'add': {
      const fingerprint = args[0];
      if (!fingerprint)
        throw new UsageError('blacklist add: give the key fingerprint (SHA256:...)');
      if (!o.reason) throw new UsageError('blacklist add: give --reason');
      const res = await api.call<{ jobId: string }>('POST', '/api/v1/blacklist', {
        ...extraParams(o.params),
        fingerprint,
        reason: o.reason,
      });
      return {
        data: res,
        human: `${fingerprint} blacklisted; job ${res.jobId} removes it and revokes it on every managed host (keywarden blacklist show ${fingerprint})`,
      };
    }
    case 'list': {
      const res = await api.call<{ items: Array<Record<string, unknown>> }>(
        'GET',
        '/api/v1/blacklist',
      );
      const rows = res.items.map((e) => ({ ...e, created: time(e.createdAt) }));
      return { data: res, human: table(rows, ['fingerprint', 'reason', 'createdBy', 'created']) };
    }
    case 'show': {
      const fp = args[0];
      if (!fp) throw new UsageError('blacklist show: give the key fingerprint (SHA256:...)');
      const r = await api.call<Revocation>('GET', `/api/v1/blacklist/${encodeURIComponent(fp)}`);
      const hosts = [
        ...r.confirmed.map((c) => ({
          hostId: c.hostId,
          state: 'confirmed',
          at: time(c.confirmedAt),
          after: `${c.afterMs} ms`,
          job: '',
          error: '',
        })),
        ...r.pending.map((p) => ({
          hostId: p.hostId,
          state: 'pending',
          at: '-',
          after: '-',
          job: p.job ? `${p.job.id} ${p.job.state}` : 'none',
          error: p.job?.error ?? '',
        })),
      ];
      const ttr =
        r.timeToRevokeMs === null
          ? `not complete: ${r.pending.length} host(s) pending`
          : `${r.timeToRevokeMs} ms (request ${time(r.requestedAt)} to last host ${time(r.completedAt)})`;
      return {
        data: r,
        human: `${r.fingerprint}: ${r.reason} (by ${r.requestedBy})\ntime to revoke: ${ttr}\n${table(hosts, ['hostId', 'state', 'at', 'after', 'job', 'error'])}`,
      };
    }
    default:
      throw new UsageError(`unknown blacklist command ${sub ?? ''}`);
  }
}
