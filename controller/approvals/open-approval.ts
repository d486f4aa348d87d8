/**
 * Opens an approval request: the record (with only the hashes of its tokens), then one
 * email per approver, then the audit entry. Nothing of the grant exists yet: no
 * authorization record, no job, no line on a host.
 */
import { newId } from '../store/ids';
import type {
  ApprovalRequestRecord,
  ApprovalSubject,
  ApprovalTokenHash,
} from '../store/approval-records';
import type { AuthorizationTarget } from '../store/authorization-records';
import { loadMasterKey } from '../secrets/master-key';
import { secretBoxFor } from '../secrets/secret-boxes';
import type { ApprovalDeps } from './approval-deps';
import { queueApprovalEmail, type ApproverTokens } from './approval-email';
import { ApprovalSigner } from './approval-tokens';
import type { ApprovalNeed } from './approvers';

export interface OpenApprovalInput {
  subject: ApprovalSubject;
  subjectKey: string | null;
  fingerprint: string;
  account: string;
  target: AuthorizationTarget;
  requester: string;
  reason: string | null;
  need: ApprovalNeed;
}

export async function openApprovalRequest(
  deps: ApprovalDeps,
  input: OpenApprovalInput,
  now: number,
): Promise<ApprovalRequestRecord> {
  const id = newId(now);
  const expiresAt = now + input.need.ttlMs;
  const signer = new ApprovalSigner(loadMasterKey(deps.config));
  const issued: ApproverTokens[] = [];
  const hashes: ApprovalTokenHash[] = [];
  for (const [i, a] of input.need.approvers.entries()) {
    const t = {} as ApproverTokens;
    for (const action of ['approve', 'deny', 'reply'] as const) {
      const { token, hash } = signer.issue({ requestId: id, approverIndex: i, action, expiresAt });
      t[action] = token;
      hashes.push({ approver: a.name, action, hash });
    }
    issued.push(t);
  }
  const record: ApprovalRequestRecord = {
    id,
    subject: input.subject,
    subjectKey: input.subjectKey,
    fingerprint: input.fingerprint,
    account: input.account,
    target: input.target,
    requester: input.requester,
    reason: input.reason,
    approvers: input.need.approvers,
    rules: input.need.rules,
    tokens: hashes,
    state: 'pending',
    createdAt: now,
    expiresAt,
    decidedAt: null,
    outcome: null,
    updatedAt: now,
  };
  await deps.store.approvals.createRequest(record);
  const box = secretBoxFor(deps.config);
  const outbox: string[] = [];
  for (const [i, t] of issued.entries())
    outbox.push(await queueApprovalEmail(deps, box, record, i, t));
  await deps.store.audit.append({
    at: now,
    actor: input.requester,
    action: 'approval.requested',
    subject: id,
    details: {
      kind: input.subject.kind,
      fingerprint: record.fingerprint,
      account: record.account,
      target: record.target,
      approvers: record.approvers.map((a) => `${a.name} <${a.email}>`),
      rules: record.rules,
      expiresAt,
      outbox,
    },
  });
  return record;
}
