/** `keywarden robots|alerts|tokens ...`. */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { durationOption, intOption, UsageError } from './option-values';
import { duration, table, time } from './format';
import type { Output } from './job-commands';

type Row = Record<string, unknown> & { id: string };

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};

function windowOption(v: string | undefined): {
  windowStart?: string | null;
  windowEnd?: string | null;
} {
  if (v === undefined) return {};
  if (v === 'none') return { windowStart: null, windowEnd: null };
  const m = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(v);
  if (!m) throw new UsageError(`--window: expected HH:MM-HH:MM or none, got ${v}`);
  return { windowStart: m[1], windowEnd: m[2] };
}

export async function robotsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  if (sub === 'list') {
    const res = await api.call<{ items: Row[] }>('GET', '/api/v1/robots');
    const rows = res.items.map((r) => ({
      ...r,
      robot: r.type,
      interval: duration(r.intervalMs),
      window: r.windowStart ? `${String(r.windowStart)}-${String(r.windowEnd)}` : null,
      instances: `${String(r.running)}/${String(r.instances)}`,
      next: time(r.nextRunAt),
    }));
    return {
      data: res,
      human: table(rows, ['robot', 'status', 'instances', 'interval', 'window', 'enabled', 'next']),
    };
  }
  if (sub === 'set') {
    if (o.enable && o.disable) throw new UsageError('--enable and --disable together');
    const body = {
      instances: intOption(o.instances, 'instances'),
      intervalMs: durationOption(o.interval, 'interval'),
      ...windowOption(o.window),
      enabled: o.enable ? true : o.disable ? false : undefined,
    };
    if (Object.values(body).every((v) => v === undefined))
      throw new UsageError(
        'robots set: give --instances, --interval, --window, --enable or --disable',
      );
    const type = need(args[0], 'robot (job type)');
    const res = await api.call<{
      robot: Row;
      changes: Record<string, { from: unknown; to: unknown }>;
      warning: string | null;
    }>('PATCH', `/api/v1/robots/${encodeURIComponent(type)}`, body);
    const lines = Object.entries(res.changes).map(
      ([k, c]) => `  ${k}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`,
    );
    const human = lines.length
      ? [`robot ${type} changed:`, ...lines, `warning: ${res.warning ?? ''}`].join('\n')
      : `robot ${type}: nothing to change`;
    return { data: res, human };
  }
  throw new UsageError(`robots: unknown command ${sub ?? '(none)'}; use list or set`);
}

export async function alertsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  if (sub === 'list') {
    const q = new URLSearchParams();
    if (o.state) q.set('state', o.state);
    if (o.type) q.set('type', o.type);
    if (o.cursor) q.set('cursor', o.cursor);
    const page = await api.call<{ items: Row[]; nextCursor: string | null }>(
      'GET',
      `/api/v1/alerts?${q.toString()}`,
    );
    const rows = page.items.map((a) => ({ ...a, created: time(a.createdAt) }));
    return {
      data: page,
      human: table(rows, ['id', 'severity', 'state', 'type', 'subject', 'created', 'message']),
    };
  }
  if (sub === 'dismiss' || sub === 'resolve') {
    // the reason is kept with the alert (stateReason) and in the audit log
    const a = await api.call<Row>(
      'POST',
      `/api/v1/alerts/${encodeURIComponent(need(args[0], 'alert id'))}/${sub}`,
      o.reason === undefined ? undefined : { reason: o.reason },
    );
    return { data: a, human: `${a.id}: ${String(a.state)}` };
  }
  throw new UsageError(`alerts: unknown command ${sub ?? '(none)'}; use list, dismiss or resolve`);
}

export async function tokensCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  if (sub === 'list') {
    const res = await api.call<{ items: Row[] }>('GET', '/api/v1/tokens');
    const rows = res.items.map((t) => ({
      ...t,
      created: time(t.createdAt),
      revoked: time(t.revokedAt),
    }));
    return { data: res, human: table(rows, ['id', 'name', 'role', 'created', 'revoked']) };
  }
  if (sub === 'create') {
    const res = await api.call<{ token: Row; secret: string }>('POST', '/api/v1/tokens', {
      name: need(args[0], 'token name'),
      role: need(o.role, '--role admin|operator|auditor'),
      ...(o.person !== undefined ? { personId: o.person } : {}),
    });
    return {
      data: res,
      human: `token ${res.token.id} (${String(res.token.role)}) created. Secret, shown once:\n${res.secret}`,
    };
  }
  if (sub === 'revoke') {
    const t = await api.call<Row>(
      'POST',
      `/api/v1/tokens/${encodeURIComponent(need(args[0], 'token id'))}/revoke`,
    );
    return { data: t, human: `token ${t.id} (${String(t.name)}) revoked` };
  }
  throw new UsageError(`tokens: unknown command ${sub ?? '(none)'}; use list, create or revoke`);
}
