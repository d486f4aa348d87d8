/**
 * One approver's decision, from whichever path it came (API, link, reply): checked against
 * the request (pending, before its deadline, the approver one of its approvers, who has
 * not decided yet), recorded, and the request settled: one deny denies it; every rule met
 * approves it, and an approved request is applied at once. A refusal throws
 * APPROVAL_REFUSED and is audited as `approval.refused` with why, never with the token.
 */
import { approvalRefused, notFound } from '../../shared/errors';
import type {
  ApprovalDecisionRecord,
  ApprovalRequestRecord,
  DecisionVia,
} from '../store/approval-records';
import type { ApprovalDeps } from './approval-deps';
import { applyApproval } from './apply-approval';

export interface DecisionInput {
  requestId: string;
  approver: string;
  decision: 'approve' | 'deny';
  via: DecisionVia;
  /** The API caller's actor, or the address a reply came from, or `link`. */
  by: string;
  tokenHash: string | null;
}

export async function auditRefusal(
  deps: Pick<ApprovalDeps, 'store'>,
  r: {
    requestId: string | null;
    via: DecisionVia;
    by: string;
    reason: string;
    tokenHash?: string | null;
  },
  now: number,
): Promise<void> {
  await deps.store.audit.append({
    at: now,
    actor: r.via === 'api' ? r.by : `approval-${r.via}:${r.by}`,
    action: 'approval.refused',
    subject: r.requestId ?? 'unknown',
    details: {
      via: r.via,
      by: r.by,
      reason: r.reason,
      // A prefix of the token's hash ties repeated attempts together; the token is never kept.
      ...(r.tokenHash ? { tokenHashPrefix: r.tokenHash.slice(0, 12) } : {}),
    },
  });
}

/** Throws APPROVAL_REFUSED after auditing why. */
export async function refuse(
  deps: Pick<ApprovalDeps, 'store'>,
  r: Parameters<typeof auditRefusal>[1],
  now: number,
): Promise<never> {
  await auditRefusal(deps, r, now);
  throw approvalRefused(`approval refused: ${r.reason}`, {
    details: { requestId: r.requestId, reason: r.reason },
  });
}

/** The token name in an API actor (`token:<name>#<id>`); null for robots and others. */
export const requesterName = (actor: string): string | null =>
  /^token:(.+)#[^#]+$/.exec(actor)?.[1] ?? null;

const alreadyDecided = (earlier: ApprovalDecisionRecord, input: DecisionInput): string =>
  input.tokenHash !== null && earlier.tokenHash === input.tokenHash
    ? 'the token was already used'
    : `${input.approver} has already decided`;

/** Why a request takes no more decisions; a cancelled one says so plainly, and why. */
export const notPending = (r: ApprovalRequestRecord): string =>
  r.state === 'cancelled'
    ? `the request was cancelled${r.cancellation ? `: ${r.cancellation.reason}` : ''}`
    : `the request is ${r.state}`;

const rulesMet = (r: ApprovalRequestRecord, approvals: Set<string>): boolean =>
  r.rules.every((rule) => rule.approvers.filter((a) => approvals.has(a)).length >= rule.required);

export async function decideApproval(
  deps: ApprovalDeps,
  input: DecisionInput,
  now: number,
): Promise<ApprovalRequestRecord> {
  const base = {
    requestId: input.requestId,
    via: input.via,
    by: input.by,
    tokenHash: input.tokenHash,
  };
  const r = await deps.store.approvals.getRequest(input.requestId);
  if (!r) {
    if (input.via === 'api')
      throw notFound(`no approval request ${input.requestId}`, {
        details: { field: 'id', value: input.requestId },
      });
    return refuse(deps, { ...base, reason: 'no such request' }, now);
  }
  if (!r.approvers.some((a) => a.name === input.approver))
    return refuse(
      deps,
      { ...base, reason: `${input.approver} is not an approver of this request` },
      now,
    );
  // Four eyes: whoever asked does not approve their own grant, by any path.
  if (requesterName(r.requester) === input.approver)
    return refuse(
      deps,
      { ...base, reason: `${input.approver} asked for this grant and cannot decide on it` },
      now,
    );
  // A second use of a token (or a second word from the same approver) is named as such,
  // whatever the request's state since.
  const earlier = (await deps.store.approvals.listDecisions(r.id)).find(
    (d) => d.approver === input.approver,
  );
  if (earlier) return refuse(deps, { ...base, reason: alreadyDecided(earlier, input) }, now);
  if (r.state === 'pending' && now >= r.expiresAt) {
    await expireRequest(deps, r, now);
    return refuse(deps, { ...base, reason: 'the request has expired' }, now);
  }
  if (r.state !== 'pending') return refuse(deps, { ...base, reason: notPending(r) }, now);
  const decision: ApprovalDecisionRecord = {
    requestId: r.id,
    approver: input.approver,
    decision: input.decision,
    via: input.via,
    by: input.by,
    tokenHash: input.tokenHash,
    at: now,
  };
  if (!(await deps.store.approvals.addDecision(decision))) {
    // Raced with another decision of the same approver: that one counts.
    const won = (await deps.store.approvals.listDecisions(r.id)).find(
      (d) => d.approver === input.approver,
    );
    return refuse(deps, { ...base, reason: won ? alreadyDecided(won, input) : 'raced' }, now);
  }
  await deps.store.audit.append({
    at: now,
    actor: input.via === 'api' ? input.by : `approval-${input.via}:${input.by}`,
    action: 'approval.decided',
    subject: r.id,
    details: { approver: input.approver, decision: input.decision, via: input.via },
  });
  return settle(deps, r.id, now);
}

/** Denied on any deny, approved (and applied) once every rule is met, else still pending. */
export async function settle(
  deps: ApprovalDeps,
  id: string,
  now: number,
): Promise<ApprovalRequestRecord> {
  const r = (await deps.store.approvals.getRequest(id)) as ApprovalRequestRecord;
  if (r.state !== 'pending') return r;
  const decisions = await deps.store.approvals.listDecisions(id);
  const denied = decisions.find((d) => d.decision === 'deny');
  const approvals = new Set(
    decisions.filter((d) => d.decision === 'approve').map((d) => d.approver),
  );
  const state = denied ? 'denied' : rulesMet(r, approvals) ? 'approved' : null;
  if (!state) return r;
  const moved = await deps.store.approvals.transition(
    id,
    ['pending'],
    state,
    { decidedAt: now },
    now,
  );
  if (!moved) return (await deps.store.approvals.getRequest(id)) as ApprovalRequestRecord;
  await deps.store.audit.append({
    at: now,
    actor: 'system',
    action: `approval.${state}`,
    subject: id,
    details: {
      decisions: decisions.map((d) => ({ approver: d.approver, decision: d.decision, via: d.via })),
    },
  });
  return state === 'approved' ? applyApproval(deps, moved, now) : moved;
}

export async function expireRequest(
  deps: Pick<ApprovalDeps, 'store'>,
  r: ApprovalRequestRecord,
  now: number,
): Promise<boolean> {
  const moved = await deps.store.approvals.transition(
    r.id,
    ['pending'],
    'expired',
    { decidedAt: now },
    now,
  );
  if (!moved) return false;
  await deps.store.audit.append({
    at: now,
    actor: 'system',
    action: 'approval.expired',
    subject: r.id,
    details: { expiresAt: r.expiresAt },
  });
  return true;
}
