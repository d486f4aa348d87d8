/**
 * An approved request becomes its grant, once. An authorization request is created now,
 * checked again as an admin's would be (the host group may be gone, the grant's expiry
 * may have passed while it waited): that is the first time anything is stored as an
 * authorization or queued. An access-group grant is made by access-groups-processing,
 * which is queued now and finds the approval (access-grant-approvals.ts).
 *
 * Exactly one caller applies (a unique claim). The move to `approved` was itself a
 * compare-and-set on every store, so a deny that arrived in the same instant either won
 * that move (the request is denied and never gets here) or came too late to count; the
 * decisions are not read again here, so the state, the audit and the grant always agree.
 */
import { toErrorRecord } from '../../shared/errors';
import { createAuthorization } from '../authorizations/create-authorization';
import { accessGroupsProcessing } from '../jobs/access-groups-processing';
import type { ApprovalRequestRecord } from '../store/approval-records';
import type { ApprovalDeps } from './approval-deps';

export async function applyApproval(
  deps: ApprovalDeps,
  r: ApprovalRequestRecord,
  now: number,
): Promise<ApprovalRequestRecord> {
  if (r.subject.kind === 'access-grant') {
    await deps.queue.enqueueByName(
      accessGroupsProcessing.type,
      {},
      { createdBy: r.requester, trigger: 'event' },
    );
    return r;
  }
  if (!(await deps.store.approvals.claimApplication(r.id, now))) return r;
  const { request } = r.subject;
  try {
    const res = await createAuthorization(deps, request, r.requester, now);
    await deps.store.audit.append({
      at: now,
      actor: r.requester,
      action: 'authorization.create',
      subject: res.authorization.id,
      details: {
        fingerprint: res.authorization.fingerprint,
        account: res.authorization.account,
        target: res.authorization.target,
        optionNames: res.authorization.options.map((o) => o.name),
        expiresAt: res.authorization.expiresAt,
        jobId: res.jobId,
        approvalRequestId: r.id,
      },
    });
    const outcome = {
      authorizationId: res.authorization.id,
      jobId: res.jobId,
      error: null,
      at: now,
    };
    await deps.store.audit.append({
      at: now,
      actor: 'system',
      action: 'approval.applied',
      subject: r.id,
      details: { authorizationId: res.authorization.id, jobId: res.jobId },
    });
    return (
      (await deps.store.approvals.transition(r.id, ['approved'], 'approved', { outcome }, now)) ?? r
    );
  } catch (err) {
    const e = toErrorRecord(err);
    const outcome = {
      authorizationId: null,
      jobId: null,
      error: `${e.code}: ${e.message}`,
      at: now,
    };
    await deps.store.audit.append({
      at: now,
      actor: 'system',
      action: 'approval.failed',
      subject: r.id,
      details: { error: outcome.error },
    });
    return (
      (await deps.store.approvals.transition(r.id, ['approved'], 'failed', { outcome }, now)) ?? r
    );
  }
}
