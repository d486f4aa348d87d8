/**
 * `keywarden reviews ...`: access review campaigns of a host group, their rounds, the
 * owner's confirm/revoke of each grant, and the auditor's history of who had access to a
 * host or group and who allowed it.
 */
import type { ApiClient } from './api-client';
import { ApiError } from './api-client';
import type { Options } from './cli-args';
import { duration, table, time } from './format';
import type { Output } from './job-commands';
import { durationOption, intOption, UsageError } from './option-values';

export const REVIEWS_OPTIONS = {
  application: { type: 'string' },
  owner: { type: 'string' },
  every: { type: 'string' },
  deadline: { type: 'string' },
  'on-unconfirmed': { type: 'string' },
  'first-round-at': { type: 'string' },
  campaign: { type: 'string' },
  decision: { type: 'string' },
  note: { type: 'string' },
} as const;

export const REVIEWS_USAGE = `  reviews create --name N --group G --owner TOKEN-NAME --every 90d --deadline 14d --on-unconfirmed remove|alert
      [--application APP] [--first-round-at ISO-TIME]
  reviews list [--group G] | reviews stop CAMPAIGN-ID (admin) | reviews rounds [--campaign ID] [--state open,closed] [--limit N] [--cursor C]
  reviews show ID (a round: its items [--decision pending,...]; or a campaign: its rounds)
  reviews confirm|revoke ROUND-ID AUTHORIZATION-ID [--note TEXT]
  reviews history (--host H | --group G) [--since T] [--until T]`;

type Row = Record<string, unknown>;
const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};
const target = (t: { hostId?: string; groupId?: string }) =>
  t.groupId ? `group ${t.groupId}` : `host ${t.hostId ?? ''}`;
const paged = (q: URLSearchParams, o: Options) => {
  if (o.cursor) q.set('cursor', o.cursor);
  const limit = intOption(o.limit, 'limit');
  if (limit !== undefined) q.set('limit', String(limit));
};
const qs = (q: URLSearchParams) => (q.size ? `?${q}` : '');

async function show(api: ApiClient, id: string, o: Options): Promise<Output> {
  const q = new URLSearchParams();
  if (o.decision) q.set('decision', o.decision);
  paged(q, o);
  try {
    const res = await api.call<{
      round: Row & { state: string; owner: string; deadlineAt: number; closedAt: number | null };
      counts: Record<string, number>;
      items: Array<Row & { target: { hostId?: string; groupId?: string } }>;
      itemsCursor: string | null;
    }>('GET', `/api/v1/reviews/rounds/${encodeURIComponent(id)}${qs(q)}`);
    const r = res.round;
    const counts = Object.entries(res.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const items = res.items.map((i) => ({
      ...i,
      target: target(i.target),
      decided: time(i.decidedAt),
      granted: `${String(i.grantedBy)} ${time(i.grantedAt)}`,
    }));
    return {
      data: res,
      human:
        `round ${id}: ${r.state}, owner ${r.owner}, deadline ${time(r.deadlineAt)}${r.closedAt ? `, closed ${time(r.closedAt)}` : ''}\n${counts}\n` +
        table(items, [
          'authorizationId',
          'fingerprint',
          'account',
          'target',
          'granted',
          'decision',
          'decidedBy',
          'decided',
          'removalJobId',
        ]) +
        (res.itemsCursor ? `\nmore: --cursor ${res.itemsCursor}` : ''),
    };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  const res = await api.call<{ campaign: Row; rounds: Row[] }>(
    'GET',
    `/api/v1/reviews/campaigns/${encodeURIComponent(id)}`,
  );
  const c = res.campaign;
  const lines = Object.entries(c).map(([k, v]) => `${k}: ${v === null ? '-' : String(v)}`);
  const rounds = res.rounds.map((r) => ({
    ...r,
    opened: time(r.openedAt),
    deadline: time(r.deadlineAt),
    closed: time(r.closedAt),
  }));
  return {
    data: res,
    human: `${lines.join('\n')}\nrounds:\n${table(rounds, ['id', 'state', 'opened', 'deadline', 'closed'])}`,
  };
}

export async function reviewsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'create': {
      const on = need(o['on-unconfirmed'], '--on-unconfirmed remove|alert');
      if (on !== 'remove' && on !== 'alert')
        throw new UsageError(`--on-unconfirmed: expected remove or alert, got ${on}`);
      const first = o['first-round-at'];
      const body = {
        name: need(o.name, '--name'),
        groupId: need(o.group, '--group'),
        owner: need(o.owner, '--owner'),
        periodMs: durationOption(need(o.every, '--every'), 'every'),
        deadlineMs: durationOption(need(o.deadline, '--deadline'), 'deadline'),
        onUnconfirmed: on,
        ...(o.application ? { applicationId: o.application } : {}),
        ...(first ? { firstRoundAt: first } : {}),
      };
      const res = await api.call<{
        campaign: Row & { id: string; nextRoundAt: number; periodMs: number; deadlineMs: number };
      }>('POST', '/api/v1/reviews/campaigns', body);
      const c = res.campaign;
      return {
        data: res,
        human: `campaign ${c.id}: ${String(c.owner)} reviews group ${String(c.groupId)} every ${duration(c.periodMs)} (deadline ${duration(c.deadlineMs)}, unconfirmed grants: ${on}); first round at ${time(c.nextRoundAt)}`,
      };
    }
    case 'list': {
      const q = new URLSearchParams();
      if (o.group) q.set('groupId', o.group);
      paged(q, o);
      const res = await api.call<{ items: Row[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/reviews/campaigns${qs(q)}`,
      );
      const rows = res.items.map((c) => ({
        ...c,
        every: duration(c.periodMs),
        deadline: duration(c.deadlineMs),
        next: time(c.nextRoundAt),
      }));
      return {
        data: res,
        human:
          table(rows, [
            'id',
            'name',
            'groupId',
            'owner',
            'every',
            'deadline',
            'onUnconfirmed',
            'next',
          ]) + (res.nextCursor ? `\nmore: --cursor ${res.nextCursor}` : ''),
      };
    }
    case 'rounds': {
      const q = new URLSearchParams();
      if (o.campaign) q.set('campaignId', o.campaign);
      if (o.state) q.set('state', o.state);
      paged(q, o);
      const res = await api.call<{ items: Row[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/reviews/rounds${qs(q)}`,
      );
      const rows = res.items.map((r) => ({
        ...r,
        opened: time(r.openedAt),
        deadline: time(r.deadlineAt),
        closed: time(r.closedAt),
      }));
      return {
        data: res,
        human:
          table(rows, ['id', 'state', 'owner', 'groupId', 'opened', 'deadline', 'closed']) +
          (res.nextCursor ? `\nmore: --cursor ${res.nextCursor}` : ''),
      };
    }
    case 'show':
      return show(api, need(args[0], 'round or campaign id'), o);
    case 'stop': {
      const id = need(args[0], 'campaign id');
      const res = await api.call<{ campaign: Row }>(
        'POST',
        `/api/v1/reviews/campaigns/${encodeURIComponent(id)}/stop`,
      );
      return { data: res, human: `campaign ${id} stopped: no round opens after this` };
    }
    case 'confirm':
    case 'revoke': {
      const round = need(args[0], 'round id');
      const authz = need(args[1], 'authorization id');
      const res = await api.call<{ item: Row; jobId: string | null }>(
        'POST',
        `/api/v1/reviews/rounds/${encodeURIComponent(round)}/items/${encodeURIComponent(authz)}/${sub}`,
        o.note ? { note: o.note } : {},
      );
      return {
        data: res,
        human:
          sub === 'confirm'
            ? `authorization ${authz} confirmed in round ${round}`
            : `authorization ${authz} revoked in round ${round}; job ${res.jobId ?? '-'} takes it off its hosts`,
      };
    }
    case 'history': {
      if (Boolean(o.host) === Boolean(o.group))
        throw new UsageError('reviews history: give --host or --group');
      const q = new URLSearchParams();
      if (o.host) q.set('hostId', o.host);
      if (o.group) q.set('groupId', o.group);
      if (o.since) q.set('from', o.since);
      if (o.until) q.set('to', o.until);
      const res = await api.call<{
        items: Array<
          Row & {
            target: { hostId?: string; groupId?: string };
            reviews: Array<{
              decision: string;
              decidedBy: string | null;
              decidedAt: number | null;
            }>;
          }
        >;
      }>('GET', `/api/v1/reviews/access-history${qs(q)}`);
      const rows = res.items.map((e) => ({
        ...e,
        target: target(e.target),
        from: time(e.from),
        until: time(e.until),
        reviews:
          e.reviews
            .map(
              (r) => `${r.decision}${r.decidedBy ? ` by ${r.decidedBy}` : ''} ${time(r.decidedAt)}`,
            )
            .join('; ') || '-',
      }));
      return {
        data: res,
        human: table(rows, [
          'authorizationId',
          'fingerprint',
          'account',
          'target',
          'from',
          'until',
          'grantedBy',
          'endedBy',
          'reviews',
        ]),
      };
    }
    default:
      throw new UsageError(`unknown reviews command ${sub ?? ''}`);
  }
}
