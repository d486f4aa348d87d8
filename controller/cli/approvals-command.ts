/**
 * `keywarden approvals ...`: grants waiting for approvers (list, show, approve, deny as the
 * approver named like the caller's token, cancel by whoever asked or an admin) and the host-group policies that make grants
 * wait (`approvals policy set GROUP --approver ...`).
 */
import { readFileSync } from 'node:fs';
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { table, time } from './format';
import type { Output } from './job-commands';
import { durationOption, intOption, UsageError } from './option-values';

export const APPROVALS_OPTIONS = {
  approver: { type: 'string', multiple: true },
  'escalate-to': { type: 'string', multiple: true },
  required: { type: 'string' },
  ttl: { type: 'string' },
  mailbox: { type: 'string' },
  'processed-mailbox': { type: 'string' },
} as const;

export const APPROVALS_USAGE = `  approvals list [--state pending,approved,denied,expired,cancelled,failed] [--limit N] [--cursor C]
  approvals show ID | approvals approve ID | approvals deny ID
  approvals cancel ID --reason TEXT (whoever asked, with the same token, or an admin)
  approvals policy set HOST-GROUP --approver NAME:EMAIL|person:ID ... [--required N] [--ttl 72h]
      [--escalate-to NAME:EMAIL|person:ID ...]
  approvals policy list | approvals policy remove HOST-GROUP
  approvals inbox set --host H [--port P] --security tls|starttls --username U --password-file FILE|-
      [--mailbox INBOX] [--processed-mailbox M] [--ca-file PEM] | approvals inbox show
  (authorizations add ... --approver NAME:EMAIL|person:ID [--required N] [--ttl D] [--reason TEXT] asks approvers too)`;

interface ApprovalView {
  id: string;
  kind: string;
  fingerprint: string;
  account: string;
  target: { hostId?: string; groupId?: string };
  requester: string;
  approvers: Array<{ name: string; email: string }>;
  rules: Array<{ source: string; approvers: string[]; required: number }>;
  state: string;
  createdAt: number;
  expiresAt: number;
  outcome: { authorizationId: string | null; jobId: string | null; error: string | null } | null;
  cancellation?: { by: string; reason: string; at: number };
}
interface Shown {
  approval: ApprovalView;
  decisions: Array<{ approver: string; decision: string; via: string; by: string; at: number }>;
}

/** `NAME:EMAIL` or `person:ID`, as the API takes approvers. */
export function approverOptions(values: string[] | undefined): Array<Record<string, string>> {
  return (values ?? []).map((v): Record<string, string> => {
    if (v.startsWith('person:')) return { personId: v.slice('person:'.length) };
    const colon = v.indexOf(':');
    if (colon < 1 || !v.slice(colon + 1).includes('@'))
      throw new UsageError(`--approver: expected NAME:EMAIL or person:ID, got ${v}`);
    return { name: v.slice(0, colon), email: v.slice(colon + 1) };
  });
}

/** The `approval` field of a request, or nothing when no approver is named. */
export function approvalSpec(o: Options): Record<string, unknown> | undefined {
  if (!o.approver?.length) {
    if (o.required || o.ttl) throw new UsageError('--required and --ttl need --approver');
    return undefined;
  }
  const required = intOption(o.required, 'required');
  const ttlMs = durationOption(o.ttl, 'ttl');
  return {
    approvers: approverOptions(o.approver),
    ...(required !== undefined ? { required } : {}),
    ...(ttlMs !== undefined ? { ttlMs } : {}),
  };
}

const where = (a: ApprovalView) =>
  a.target.groupId ? `group ${a.target.groupId}` : `host ${a.target.hostId ?? '?'}`;

export const describeApproval = (a: ApprovalView): string =>
  `approval request ${a.id} (${a.state}): ${a.fingerprint} as ${a.account} on ${where(a)}; asked of ${a.approvers.map((x) => x.name).join(', ')} until ${time(a.expiresAt)}`;

export async function approvalsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  const id = () => {
    if (!args[0]) throw new UsageError(`approvals ${sub ?? ''}: give the request id`);
    return encodeURIComponent(args[0]);
  };
  switch (sub) {
    case 'list': {
      const q = new URLSearchParams();
      if (o.state) q.set('state', o.state);
      if (o.cursor) q.set('cursor', o.cursor);
      const limit = intOption(o.limit, 'limit');
      if (limit !== undefined) q.set('limit', String(limit));
      const res = await api.call<{ items: ApprovalView[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/approvals${q.size ? `?${q}` : ''}`,
      );
      const rows = res.items.map((a) => ({
        id: a.id,
        state: a.state,
        kind: a.kind,
        fingerprint: a.fingerprint,
        account: a.account,
        where: where(a),
        approvers: a.approvers.map((x) => x.name).join(','),
        expires: time(a.expiresAt),
      }));
      return {
        data: res,
        human:
          table(rows, [
            'id',
            'state',
            'kind',
            'fingerprint',
            'account',
            'where',
            'approvers',
            'expires',
          ]) + (res.nextCursor ? `\nmore: --cursor ${res.nextCursor}` : ''),
      };
    }
    case 'show':
    case 'approve':
    case 'deny':
    case 'cancel': {
      if (sub === 'cancel' && !o.reason?.trim())
        throw new UsageError('approvals cancel: give --reason (it is audited)');
      const res =
        sub === 'show'
          ? await api.call<Shown>('GET', `/api/v1/approvals/${id()}`)
          : await api.call<Shown>(
              'POST',
              `/api/v1/approvals/${id()}/${sub}`,
              sub === 'cancel' ? { reason: o.reason } : {},
            );
      const a = res.approval;
      const human = [
        describeApproval(a),
        `asked by ${a.requester}; rules: ${a.rules.map((r) => `${r.required} of ${r.approvers.join(',')}`).join('; ')}`,
        ...(a.cancellation
          ? [
              `cancelled by ${a.cancellation.by} ${time(a.cancellation.at)}: ${a.cancellation.reason}`,
            ]
          : []),
        ...(a.outcome
          ? [
              a.outcome.error
                ? `not applied: ${a.outcome.error}`
                : `applied: authorization ${a.outcome.authorizationId ?? '-'}, job ${a.outcome.jobId ?? '-'}`,
            ]
          : []),
        'decisions:',
        table(
          res.decisions.map((d) => ({ ...d, at: time(d.at) })),
          ['approver', 'decision', 'via', 'by', 'at'],
        ),
      ].join('\n');
      return { data: res, human };
    }
    case 'policy':
      return policyCommand(api, args, o);
    case 'inbox':
      return inboxCommand(api, args[0], o);
    default:
      throw new UsageError(`unknown command approvals ${sub ?? ''}`);
  }
}

async function policyCommand(api: ApiClient, args: string[], o: Options): Promise<Output> {
  const [verb, group] = args;
  const path = (g: string | undefined) => {
    if (!g) throw new UsageError(`approvals policy ${verb ?? ''}: give the host group`);
    return `/api/v1/approval-policies/${encodeURIComponent(g)}`;
  };
  if (verb === 'list') {
    const res = await api.call<{
      items: Array<{
        hostGroupId: string;
        approvers: Array<{ name: string }>;
        required: number;
        ttlMs: number;
        escalateTo?: Array<{ name: string }>;
      }>;
    }>('GET', '/api/v1/approval-policies');
    const rows = res.items.map((p) => ({
      group: p.hostGroupId,
      required: p.required,
      approvers: p.approvers.map((a) => a.name).join(','),
      ttl: `${Math.round(p.ttlMs / 3_600_000)}h`,
      escalateTo: (p.escalateTo ?? []).map((a) => a.name).join(',') || '-',
    }));
    return {
      data: res,
      human: table(rows, ['group', 'required', 'approvers', 'ttl', 'escalateTo']),
    };
  }
  if (verb === 'remove') {
    await api.call('DELETE', path(group));
    return { data: { removed: group }, human: `grants to ${group ?? ''} no longer need approval` };
  }
  if (verb === 'set') {
    if (!o.approver?.length) throw new UsageError('approvals policy set: give --approver');
    const required = intOption(o.required, 'required');
    const ttlMs = durationOption(o.ttl, 'ttl');
    const res = await api.call<{
      hostGroupId: string;
      required: number;
      approvers: Array<{ name: string }>;
      escalateTo?: Array<{ name: string }>;
    }>('PUT', path(group), {
      approvers: approverOptions(o.approver),
      ...(required !== undefined ? { required } : {}),
      ...(ttlMs !== undefined ? { ttlMs } : {}),
      ...(o['escalate-to']?.length ? { escalateTo: approverOptions(o['escalate-to']) } : {}),
    });
    const escalate = res.escalateTo?.length
      ? `; escalated to ${res.escalateTo.map((a) => a.name).join(', ')} when the reminders go out`
      : '';
    return {
      data: res,
      human: `grants to ${res.hostGroupId} need ${res.required} approval(s) from ${res.approvers.map((a) => a.name).join(', ')}${escalate}`,
    };
  }
  throw new UsageError(`unknown command approvals policy ${verb ?? ''}`);
}

interface InboxView {
  host: string;
  port: number;
  security: string;
  username: string;
  passwordSet: boolean;
  mailbox: string;
  processedMailbox: string | null;
  updatedBy: string;
  updatedAt: number;
}

const showInbox = (s: InboxView) =>
  `${s.security} ${s.host}:${s.port} as ${s.username}, password ${s.passwordSet ? 'set' : 'not set'}, reads ${s.mailbox}${s.processedMailbox ? `, moves read mail to ${s.processedMailbox}` : ''} (by ${s.updatedBy} ${time(s.updatedAt)})`;

async function inboxCommand(api: ApiClient, verb: string | undefined, o: Options): Promise<Output> {
  if (verb === 'show') {
    const s = await api.call<InboxView>('GET', '/api/v1/notifications/imap');
    return { data: s, human: showInbox(s) };
  }
  if (verb !== 'set') throw new UsageError(`unknown command approvals inbox ${verb ?? ''}`);
  if (!o.host || !o.security || !o.username)
    throw new UsageError('approvals inbox set: give --host, --security and --username');
  const file = o['password-file'];
  const body = {
    host: o.host,
    ...(o.port !== undefined ? { port: intOption(o.port, 'port') } : {}),
    security: o.security,
    username: o.username,
    // From a file or stdin, never the command line (where ps shows it).
    ...(file
      ? { password: readFileSync(file === '-' ? 0 : file, 'utf8').replace(/\r?\n$/, '') }
      : {}),
    ...(o.mailbox ? { mailbox: o.mailbox } : {}),
    ...(o['processed-mailbox'] ? { processedMailbox: o['processed-mailbox'] } : {}),
    ...(o['ca-file'] ? { caCertificate: readFileSync(o['ca-file'], 'utf8') } : {}),
  };
  const s = await api.call<InboxView>('PUT', '/api/v1/notifications/imap', body);
  return { data: s, human: showInbox(s) };
}
