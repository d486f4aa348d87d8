/**
 * An authorization as the API receives it: made at once (create-authorization.ts), or,
 * when its host group has an approval policy or the request names approvers, held as an
 * approval request until approved. Either way it is checked whole first, so a request that
 * could never be made is refused now, not after the approvers have been asked.
 */
import {
  checkAuthorizationRequest,
  createAuthorization,
  type AuthorizationRequest,
} from '../authorizations/create-authorization';
import type { ApprovalRequestRecord } from '../store/approval-records';
import type { AuthorizationRecord } from '../store/authorization-records';
import type { ApprovalDeps } from './approval-deps';
import { approvalNeeded, type ApprovalSpec } from './approvers';
import { openApprovalRequest } from './open-approval';

export type RequestOutcome =
  { authorization: AuthorizationRecord; jobId: string } | { approval: ApprovalRequestRecord };

export async function requestAuthorization(
  deps: ApprovalDeps,
  req: AuthorizationRequest,
  approval: { spec?: ApprovalSpec; reason?: string },
  actor: string,
  now: number,
): Promise<RequestOutcome> {
  const checked = await checkAuthorizationRequest(deps.store, req, now);
  const need = await approvalNeeded(
    deps.store,
    checked.target,
    approval.spec,
    deps.config.approvalTtlMs,
  );
  if (!need) return createAuthorization(deps, req, actor, now);
  const request = {
    ...(req.privateKey ? { privateKey: req.privateKey } : { publicKey: checked.key.publicKey }),
    account: req.account,
    ...('groupId' in checked.target
      ? { groupId: checked.target.groupId }
      : { hostId: checked.target.hostId }),
    options: checked.options,
    ...(req.expiresAt !== undefined ? { expiresAt: req.expiresAt } : {}),
    ...(req.onDrift !== undefined ? { onDrift: req.onDrift } : {}),
  };
  const record = await openApprovalRequest(
    deps,
    {
      subject: { kind: 'authorization', request },
      subjectKey: null,
      fingerprint: checked.key.fingerprint,
      account: req.account,
      target: checked.target,
      requester: actor,
      reason: approval.reason ?? null,
      need,
    },
    now,
  );
  return { approval: record };
}
