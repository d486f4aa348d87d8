/**
 * The email that asks one approver: what is asked (key, account, where, by whom, why, until
 * when), an approve and a deny link, and how to answer by reply. It goes through the
 * notification path (an outbox record and a send-email job, docs/notifications.md), its
 * subject and bodies sealed in the outbox because they carry single-use tokens.
 *
 * The links put the token after `#`: a browser never sends the fragment, so it is in no
 * access log, proxy log or Referer; the page's script posts it. A mail scanner that fetches
 * the link only gets the page, and nothing is decided without a click.
 */
import type { SecretBox } from '../secrets/secret-box';
import { sendEmail } from '../jobs/send-email';
import { messageIdDomain } from '../notify/email-smtp-settings';
import { sealOutboxContent } from '../notify/outbox-sealing';
import type { ApprovalRequestRecord } from '../store/approval-records';
import type { ApprovalDeps } from './approval-deps';

export interface ApproverTokens {
  approve: string;
  deny: string;
  reply: string;
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const oneLine = (s: string): string => s.replace(/[\r\n\t]+/g, ' ').trim();

export const describeTarget = (r: ApprovalRequestRecord): string =>
  'groupId' in r.target ? `host group ${r.target.groupId}` : `host ${r.target.hostId}`;

function facts(r: ApprovalRequestRecord): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['Request', r.id],
    ['Key', r.fingerprint],
    ['Account', r.account],
    ['Where', describeTarget(r)],
    ['Asked by', r.requester],
  ];
  if (r.subject.kind === 'access-grant')
    out.push(['Access group', `${r.subject.accessGroupId} (person ${r.subject.personId})`]);
  if (r.subject.kind === 'authorization' && r.subject.request.expiresAt)
    out.push(['Grant expires', new Date(r.subject.request.expiresAt).toISOString()]);
  if (r.reason) out.push(['Reason', oneLine(r.reason)]);
  out.push(['Decide before', new Date(r.expiresAt).toISOString()]);
  return out;
}

/**
 * request: the first email; reminder: to an approver who has not decided as the deadline
 * nears; escalation: to an approver the policy names for requests still undecided then.
 */
export type ApprovalEmailKind = 'request' | 'reminder' | 'escalation';

const OPENING: Record<ApprovalEmailKind, { subject: string; line: string }> = {
  request: {
    subject: 'Approval needed',
    line: 'Keywarden asks for your approval of an SSH access grant.',
  },
  reminder: {
    subject: 'Reminder: approval needed',
    line: 'Reminder: Keywarden still waits for your decision on this SSH access grant; its deadline is near.',
  },
  escalation: {
    subject: 'Escalated: approval needed',
    line: 'Keywarden asks for your approval of an SSH access grant its first approvers have not decided on; its deadline is near.',
  },
};

export function renderApprovalEmail(
  r: ApprovalRequestRecord,
  tokens: ApproverTokens,
  baseUrl: string,
  kind: ApprovalEmailKind = 'request',
): { subject: string; text: string; html: string } {
  const link = (t: string) => `${baseUrl}/approval-links#${t}`;
  const opening = OPENING[kind];
  const subject = `[Keywarden] ${opening.subject}: ${oneLine(r.account)} on ${describeTarget(r)} [${tokens.reply}]`;
  const text = [
    opening.line,
    '',
    ...facts(r).map(([k, v]) => `  ${k}: ${v}`),
    '',
    `Approve: ${link(tokens.approve)}`,
    `Deny:    ${link(tokens.deny)}`,
    '',
    'Or reply to this email from this address with "approve" or "deny" as the first line,',
    'keeping the subject. Each link and the reply work once, and only until the deadline.',
    `Reply token: ${tokens.reply}`,
  ].join('\n');
  const html = [
    `<p>${escapeHtml(opening.line)}</p><table>`,
    ...facts(r).map(
      ([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
    ),
    '</table>',
    `<p><a href="${escapeHtml(link(tokens.approve))}">Approve</a> · <a href="${escapeHtml(link(tokens.deny))}">Deny</a></p>`,
    '<p>Or reply from this address with "approve" or "deny" as the first line, keeping the subject. ',
    'Each link and the reply work once, and only until the deadline.</p>',
    `<p>Reply token: ${escapeHtml(tokens.reply)}</p>`,
  ].join('\n');
  return { subject, text, html };
}

/**
 * One outbox message and send-email job per approver and kind; ids derived from the
 * request (a reminder or escalation is sent at most once per approver, reminders.ts).
 */
export async function queueApprovalEmail(
  deps: ApprovalDeps,
  box: SecretBox,
  r: ApprovalRequestRecord,
  approverIndex: number,
  tokens: ApproverTokens,
  opts: { kind: ApprovalEmailKind; at: number } = { kind: 'request', at: r.createdAt },
): Promise<string> {
  const approver = r.approvers[approverIndex];
  if (!approver) throw new Error(`approver ${approverIndex} of ${r.id} does not exist`);
  const smtp = await deps.store.notifications.getSmtp();
  const id = `apr-${r.id}-${approverIndex}${opts.kind === 'request' ? '' : `-${opts.kind}`}`;
  const domain = messageIdDomain(smtp?.from ?? 'keywarden@keywarden.invalid');
  const mail = renderApprovalEmail(r, tokens, baseUrlOf(deps.config), opts.kind);
  await deps.store.notifications.addMessage(
    {
      id,
      messageId: `<kw.${id}@${domain}>`,
      recipient: approver.email,
      subject: sealOutboxContent(box, id, mail.subject),
      text: sealOutboxContent(box, id, mail.text),
      html: sealOutboxContent(box, id, mail.html),
      alertIds: [],
      fromCursor: null,
      toCursor: `approval:${r.id}`,
    },
    opts.at,
  );
  await deps.queue.enqueueByName(
    sendEmail.type,
    { messageId: id },
    { createdBy: r.requester, trigger: 'event', dedupeKey: `send-email:${id}` },
  );
  return id;
}

export const baseUrlOf = (config: ApprovalDeps['config']): string =>
  config.publicUrl ??
  `http://${config.httpAddr.host.includes(':') ? `[${config.httpAddr.host}]` : config.httpAddr.host}:${config.httpAddr.port}`;
