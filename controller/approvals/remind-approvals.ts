/**
 * Reminders and escalation before a request's deadline. Once KEYWARDEN_APPROVAL_REMIND_AT
 * of its wait has passed, a request still pending
 * - reminds each approver who has not decided (the one who asked is never asked), once;
 * - is escalated to its policy's `escalateTo` approvers, once each: they join the request
 *   and count toward that policy's rule as its own approvers do.
 *
 * Each email carries fresh links and a fresh reply token (only hashes are stored, so the
 * first email's tokens cannot be sent again); they are added to the request only while it
 * is pending, by a compare-and-set, so a request decided meanwhile gets no new token.
 * "Once" is a unique claim per approver taken before the email is queued: a crash between
 * the two loses that reminder rather than sending it twice.
 */
import { loadMasterKey } from '../secrets/master-key';
import { secretBoxFor } from '../secrets/secret-boxes';
import type { Approver, ApprovalRequestRecord, ApprovalTokenHash } from '../store/approval-records';
import type { ApprovalDeps } from './approval-deps';
import { queueApprovalEmail, type ApprovalEmailKind, type ApproverTokens } from './approval-email';
import { ApprovalSigner } from './approval-tokens';
import { requesterName } from './decide-approval';

/** When a request's reminders are due: `at` (0 to below 1) of its wait has passed. */
export const reminderDueAt = (r: ApprovalRequestRecord, at: number): number =>
  r.createdAt + Math.floor((r.expiresAt - r.createdAt) * at);

/** Tries again when another amendment (another controller's run) came first. */
const MAX_AMEND_ATTEMPTS = 5;

export async function remindApprovals(
  deps: ApprovalDeps,
  now: number,
): Promise<{ reminded: string[]; escalated: string[] }> {
  const out = { reminded: [] as string[], escalated: [] as string[] };
  const at = deps.config.approvalRemindAt;
  if (!at) return out;
  let after: string | undefined;
  for (;;) {
    const page = await deps.store.approvals.listRequests(
      { state: ['pending'] },
      { limit: 200, ...(after !== undefined ? { after } : {}) },
    );
    for (const r of page.items) {
      if (now >= r.expiresAt || now < reminderDueAt(r, at)) continue;
      const sent = await remindRequest(deps, r.id, now);
      out.reminded.push(...sent.reminded.map((n) => `${r.id}:${n}`));
      out.escalated.push(...sent.escalated.map((n) => `${r.id}:${n}`));
    }
    if (!page.nextCursor || page.items.length === 0) return out;
    after = page.nextCursor;
  }
}

interface Mail {
  index: number;
  tokens: ApproverTokens;
  kind: ApprovalEmailKind;
}

async function remindRequest(
  deps: ApprovalDeps,
  id: string,
  now: number,
): Promise<{ reminded: string[]; escalated: string[] }> {
  const none = { reminded: [], escalated: [] };
  let r = await deps.store.approvals.getRequest(id);
  if (r?.state !== 'pending') return none;
  const decided = new Set((await deps.store.approvals.listDecisions(id)).map((d) => d.approver));
  const asker = requesterName(r.requester);
  const remind: Approver[] = [];
  for (const a of r.approvers)
    if (!decided.has(a.name) && a.name !== asker && (await claim(deps, id, a.name, now)))
      remind.push(a);
  const escalate: Array<{ approver: Approver; source: string }> = [];
  for (const rule of r.rules) {
    if (!rule.source.startsWith('policy:')) continue;
    const policy = await deps.store.approvals.getPolicy(rule.source.slice('policy:'.length));
    for (const e of policy?.escalateTo ?? [])
      if (
        e.name !== asker &&
        !r.approvers.some((a) => a.name === e.name) &&
        !escalate.some((x) => x.approver.name === e.name) &&
        (await claim(deps, id, e.name, now))
      )
        escalate.push({ approver: e, source: rule.source });
  }
  if (remind.length === 0 && escalate.length === 0) return none;

  const signer = new ApprovalSigner(loadMasterKey(deps.config));
  for (let attempt = 0; attempt < MAX_AMEND_ATTEMPTS && r?.state === 'pending'; attempt++) {
    const base: ApprovalRequestRecord = r;
    const hashes: ApprovalTokenHash[] = [];
    const mails: Mail[] = [];
    const issue = (index: number, name: string, kind: ApprovalEmailKind) => {
      const tokens = {} as ApproverTokens;
      for (const action of ['approve', 'deny', 'reply'] as const) {
        const t = signer.issue({
          requestId: id,
          approverIndex: index,
          action,
          expiresAt: base.expiresAt,
        });
        tokens[action] = t.token;
        hashes.push({ approver: name, action, hash: t.hash });
      }
      mails.push({ index, tokens, kind });
    };
    for (const a of remind)
      issue(
        base.approvers.findIndex((x) => x.name === a.name),
        a.name,
        'reminder',
      );
    for (const [i, e] of escalate.entries())
      issue(base.approvers.length + i, e.approver.name, 'escalation');
    const amended = await deps.store.approvals.amendPending(
      id,
      {
        tokens: hashes,
        approvers: escalate.map((e) => e.approver),
        ruleApprovers: escalate.map((e) => ({ source: e.source, approvers: [e.approver.name] })),
        expectApprovers: base.approvers.length,
      },
      now,
    );
    if (amended) return send(deps, amended, mails, now);
    r = await deps.store.approvals.getRequest(id);
  }
  return none;
}

async function send(
  deps: ApprovalDeps,
  r: ApprovalRequestRecord,
  mails: Mail[],
  now: number,
): Promise<{ reminded: string[]; escalated: string[] }> {
  const box = secretBoxFor(deps.config);
  const names = (kind: ApprovalEmailKind) =>
    mails.filter((m) => m.kind === kind).map((m) => r.approvers[m.index]?.name ?? '?');
  const outbox: string[] = [];
  for (const m of mails)
    outbox.push(
      await queueApprovalEmail(deps, box, r, m.index, m.tokens, { kind: m.kind, at: now }),
    );
  const reminded = names('reminder');
  const escalated = names('escalation');
  const base = { expiresAt: r.expiresAt, outbox };
  if (reminded.length)
    await deps.store.audit.append({
      at: now,
      actor: 'system',
      action: 'approval.reminded',
      subject: r.id,
      details: { approvers: reminded, ...base },
    });
  if (escalated.length)
    await deps.store.audit.append({
      at: now,
      actor: 'system',
      action: 'approval.escalated',
      subject: r.id,
      details: {
        approvers: r.approvers
          .filter((a) => escalated.includes(a.name))
          .map((a) => `${a.name} <${a.email}>`),
        rules: r.rules,
        ...base,
      },
    });
  return { reminded, escalated };
}

const claim = (deps: ApprovalDeps, id: string, name: string, now: number) =>
  deps.store.approvals.claimReminder(id, name, now);
