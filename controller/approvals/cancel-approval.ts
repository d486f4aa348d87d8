/**
 * Cancelling a pending request by hand: whoever asked for it (the very token that asked)
 * or an admin may; an operator cannot withdraw a colleague's request, an auditor nothing.
 * The move from pending is the store's compare-and-set, so a cancel and a decision
 * arriving together end the request one way only: a cancelled request is never granted,
 * and its links and replies are refused afterwards (decide-approval.ts), audited.
 */
import { conflict, forbidden, invalidInput, notFound } from '../../shared/errors';
import type { Role } from '../store/records';
import type { ApprovalRequestRecord } from '../store/approval-records';
import type { ApprovalDeps } from './approval-deps';

export const CANCEL_REASON_MAX = 500;

export async function cancelApproval(
  deps: Pick<ApprovalDeps, 'store'>,
  input: { requestId: string; by: { actor: string; role: Role }; reason: string },
  now: number,
): Promise<ApprovalRequestRecord> {
  const reason = input.reason.replace(/[\r\n\t]+/g, ' ').trim();
  if (!reason || reason.length > CANCEL_REASON_MAX)
    throw invalidInput(
      `reason: give why the request is cancelled (1 to ${CANCEL_REASON_MAX} characters)`,
      {
        details: { field: 'reason' },
      },
    );
  const r = await deps.store.approvals.getRequest(input.requestId);
  if (!r)
    throw notFound(`no approval request ${input.requestId}`, {
      details: { field: 'id', value: input.requestId },
    });
  const { actor, role } = input.by;
  if (role !== 'admin' && actor !== r.requester) {
    await deps.store.audit.append({
      at: now,
      actor,
      action: 'approval.cancel-refused',
      subject: r.id,
      details: { reason: 'only whoever asked for it or an admin may cancel a request' },
    });
    throw forbidden(
      `approval request ${r.id} was asked for by ${r.requester}: only that token or an admin may cancel it`,
      { details: { id: r.id } },
    );
  }
  const cancellation = { by: actor, reason, at: now };
  const moved = await deps.store.approvals.transition(
    r.id,
    ['pending'],
    'cancelled',
    { decidedAt: now, cancellation },
    now,
  );
  if (!moved) {
    const cur = (await deps.store.approvals.getRequest(r.id)) ?? r;
    throw conflict(
      `approval request ${r.id} is ${cur.state}: only a pending request can be cancelled`,
      {
        details: { id: r.id, state: cur.state },
      },
    );
  }
  await deps.store.audit.append({
    at: now,
    actor,
    action: 'approval.cancelled',
    subject: r.id,
    details: { by: actor, reason, requester: r.requester },
  });
  return moved;
}
