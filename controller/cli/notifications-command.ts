/**
 * `keywarden notifications ...`: the SMTP server (the password is read from a file or
 * stdin, never from the command line, where `ps` would show it), a test message, the
 * routing rules and the outbox.
 */
import { readFileSync } from 'node:fs';
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { intOption, UsageError } from './option-values';

export const NOTIFICATIONS_OPTIONS = {
  security: { type: 'string' },
  username: { type: 'string' },
  from: { type: 'string' },
  'ca-file': { type: 'string' },
  'no-password': { type: 'boolean' },
  to: { type: 'string' },
  'min-severity': { type: 'string' },
  policy: { type: 'string' },
  application: { type: 'string' },
  'alert-type': { type: 'string' },
  events: { type: 'string' },
} as const;

export const NOTIFICATIONS_USAGE = `  notifications smtp set --host H [--port N] --security starttls|tls|none --from ADDR [--username U --password-file FILE|-] [--no-password] [--ca-file PEM]
  notifications smtp show | notifications smtp test --to ADDR
  notifications rules add --name N --to ADDR[,ADDR] [--min-severity info|warning|critical] [--policy ID,..] [--group ID,..] [--application ID,..] [--alert-type T,..] [--events raised,reopened,resolved,dismissed]
  notifications rules list | notifications rules remove ID
  notifications outbox [--state queued,sending,sent,failed] [--limit N] [--cursor C]`;

const list = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function readPassword(file: string): string {
  return readFileSync(file === '-' ? 0 : file, 'utf8').replace(/\r?\n$/, '');
}

interface SmtpView {
  host: string;
  port: number;
  security: string;
  username: string | null;
  passwordSet: boolean;
  from: string;
  updatedBy: string;
  updatedAt: number;
}
const showSmtp = (s: SmtpView) =>
  `${s.security} ${s.host}:${s.port} from ${s.from}, login ${s.username ?? '(none)'}, password ${s.passwordSet ? 'set' : 'not set'} (by ${s.updatedBy} ${time(s.updatedAt)})`;

async function smtpCommand(api: ApiClient, sub: string | undefined, o: Options): Promise<Output> {
  switch (sub) {
    case 'set': {
      if (!o.host || !o.security || !o.from)
        throw new UsageError('notifications smtp set: give --host, --security and --from');
      if (o['password-file'] && o['no-password'])
        throw new UsageError('give --password-file or --no-password, not both');
      const body = {
        host: o.host,
        ...(o.port !== undefined ? { port: intOption(o.port, 'port') } : {}),
        security: o.security,
        from: o.from,
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(o['password-file'] ? { password: readPassword(o['password-file']) } : {}),
        ...(o['no-password'] ? { password: null } : {}),
        ...(o['ca-file'] ? { caCertificate: readFileSync(o['ca-file'], 'utf8') } : {}),
      };
      const s = await api.call<SmtpView>('PUT', '/api/v1/notifications/smtp', body);
      return { data: s, human: showSmtp(s) };
    }
    case 'show': {
      const s = await api.call<SmtpView>('GET', '/api/v1/notifications/smtp');
      return { data: s, human: showSmtp(s) };
    }
    case 'test': {
      if (!o.to) throw new UsageError('notifications smtp test: give --to ADDR');
      const r = await api.call<{ to: string; response: string }>(
        'POST',
        '/api/v1/notifications/smtp/test',
        { to: o.to },
      );
      return { data: r, human: `sent to ${r.to}: ${r.response}` };
    }
    default:
      throw new UsageError(`unknown notifications smtp command ${sub ?? ''}`);
  }
}

async function rulesCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'add': {
      const recipients = list(o.to);
      if (!o.name || !recipients?.length)
        throw new UsageError('notifications rules add: give --name and --to ADDR[,ADDR]');
      const body = {
        name: o.name,
        recipients,
        ...(o['min-severity'] ? { minSeverity: o['min-severity'] } : {}),
        ...(o.policy ? { policyIds: list(o.policy) } : {}),
        ...(o.group ? { groupIds: list(o.group) } : {}),
        ...(o.application ? { applicationIds: list(o.application) } : {}),
        ...(o['alert-type'] ? { alertTypes: list(o['alert-type']) } : {}),
        ...(o.events ? { events: list(o.events) } : {}),
      };
      const rule = await api.call<{ id: string }>('POST', '/api/v1/notifications/rules', body);
      return { data: rule, human: `rule ${rule.id} added` };
    }
    case 'list': {
      const res = await api.call<{ items: Array<Record<string, unknown>> }>(
        'GET',
        '/api/v1/notifications/rules',
      );
      const rows = res.items.map((r) => ({
        ...r,
        recipients: (r.recipients as string[]).join(','),
        match: [
          ...(['policyIds', 'groupIds', 'applicationIds', 'alertTypes'] as const).flatMap((k) =>
            (r[k] as string[]).length ? [`${k}=${(r[k] as string[]).join(',')}`] : [],
          ),
        ].join(' '),
        events: (r.events as string[]).join(','),
      }));
      return {
        data: res,
        human: table(rows, ['id', 'name', 'recipients', 'minSeverity', 'match', 'events']),
      };
    }
    case 'remove': {
      const id = args[0];
      if (!id) throw new UsageError('notifications rules remove: give the rule id');
      const res = await api.call('DELETE', `/api/v1/notifications/rules/${encodeURIComponent(id)}`);
      return { data: res, human: `rule ${id} removed` };
    }
    default:
      throw new UsageError(`unknown notifications rules command ${sub ?? ''}`);
  }
}

export async function notificationsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  if (sub === 'smtp') return smtpCommand(api, args[0], o);
  if (sub === 'rules') return rulesCommand(api, args[0], args.slice(1), o);
  if (sub === 'outbox') {
    const q = new URLSearchParams();
    if (o.state) q.set('state', o.state);
    if (o.limit) q.set('limit', o.limit);
    if (o.cursor) q.set('cursor', o.cursor);
    const res = await api.call<{
      items: Array<Record<string, unknown>>;
      nextCursor: string | null;
    }>('GET', `/api/v1/notifications/outbox?${q}`);
    const rows = res.items.map((m) => ({ ...m, created: time(m.createdAt), sent: time(m.sentAt) }));
    return {
      data: res,
      human: table(rows, [
        'id',
        'recipient',
        'state',
        'attempts',
        'created',
        'sent',
        'subject',
        'lastError',
      ]),
    };
  }
  throw new UsageError(`unknown notifications command ${sub ?? ''}`);
}
