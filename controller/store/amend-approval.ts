/**
 * The record an amendment of a pending request writes (ApprovalRepository.amendPending),
 * the same for both stores; null when it must not be written.
 */
import type { ApprovalRequestRecord } from './approval-records';
import type { ApprovalRepository } from './approval-store';

export function amendedRequest(
  cur: ApprovalRequestRecord,
  add: Parameters<ApprovalRepository['amendPending']>[1],
  now: number,
): ApprovalRequestRecord | null {
  if (cur.state !== 'pending') return null;
  if (add.expectApprovers !== undefined && cur.approvers.length !== add.expectApprovers)
    return null;
  const extra = new Map((add.ruleApprovers ?? []).map((r) => [r.source, r.approvers]));
  return {
    ...cur,
    tokens: [...cur.tokens, ...add.tokens],
    approvers: [...cur.approvers, ...(add.approvers ?? [])],
    rules: cur.rules.map((rule) => {
      const more = (extra.get(rule.source) ?? []).filter((n) => !rule.approvers.includes(n));
      return more.length ? { ...rule, approvers: [...rule.approvers, ...more] } : rule;
    }),
    updatedAt: now,
  };
}
