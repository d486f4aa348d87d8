import { expireApprovals } from '../approvals/expire-approvals';
import { defineInternalRobot } from './define-internal-robot';

/**
 * Approval requests whose deadline passed before they were decided become expired, so
 * they are seen as such and never apply (controller/approvals/expire-approvals.ts).
 */
export const internalExpireApprovals = defineInternalRobot({
  type: 'internal-expire-approvals',
  describe: 'Expires approval requests not decided before their deadline',
  intervalMs: 60_000,
  timeoutMs: 5 * 60_000,
  run: (ctx) => expireApprovals(ctx, ctx.now()),
});
