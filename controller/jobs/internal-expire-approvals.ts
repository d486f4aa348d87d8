import { approvalDepsOf } from '../approvals/approval-deps';
import { expireApprovals } from '../approvals/expire-approvals';
import { remindApprovals } from '../approvals/remind-approvals';
import { defineInternalRobot } from './define-internal-robot';

/**
 * Approval requests whose deadline passed before they were decided become expired, so
 * they are seen as such and never apply (controller/approvals/expire-approvals.ts); those
 * nearing it remind their undecided approvers and escalate, once (remind-approvals.ts).
 */
export const internalExpireApprovals = defineInternalRobot({
  type: 'internal-expire-approvals',
  describe:
    'Expires approval requests not decided before their deadline, reminds and escalates before it',
  intervalMs: 60_000,
  timeoutMs: 5 * 60_000,
  run: async (ctx) => {
    const now = ctx.now();
    const { expired } = await expireApprovals(ctx, now);
    return { expired, ...(await remindApprovals(approvalDepsOf(ctx), now)) };
  },
});
