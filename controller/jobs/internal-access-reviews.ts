import { closeDueRounds } from '../access-reviews/close-rounds';
import { openDueRounds } from '../access-reviews/open-rounds';
import type { QueueRemoval } from '../access-reviews/review-removal';
import { defineInternalRobot } from './define-internal-robot';

/**
 * Access reviews (controller/access-reviews): closes the rounds whose deadline has passed
 * (each unconfirmed grant removed or alerted, per its campaign), then opens the rounds that
 * are due, snapshotting every grant in scope. Closing comes first, so a campaign's round
 * is closed before its next opens. Every step is safe to run again after a crash; time is
 * the engine's clock (ctx.now), so tests move it instead of waiting.
 */
export const internalAccessReviews = defineInternalRobot({
  type: 'internal-access-reviews',
  describe: 'Opens due access review rounds and closes those past their deadline',
  intervalMs: 5 * 60_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  async run(ctx) {
    const now = ctx.now();
    const queueRemoval: QueueRemoval = async ({ authorizationId, dedupeKey }) =>
      (
        await ctx.enqueue({
          type: 'remove-authorization',
          params: { authorizationId, reason: 'removed' },
          dedupeKey,
          trigger: 'system',
        })
      ).id;
    const closed = await closeDueRounds(ctx.store, now, queueRemoval, ctx.log);
    const opened = await openDueRounds(ctx.store, now, ctx.log);
    return { opened, ...closed };
  },
});
