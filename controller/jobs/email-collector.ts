import { collectInbox } from '../approvals/collect-inbox';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's "Email collector": reads the configured IMAP inbox (bounded per run and per
 * message), stores each unread message sealed and marks it read, then hands them to
 * reply-to-email-request (controller/approvals/collect-inbox.ts). Does nothing until an
 * inbox is configured (`keywarden approvals inbox set`).
 */
export const emailCollector = defineInternalRobot({
  type: 'email-collector',
  describe: 'Reads the configured IMAP inbox and stores new messages for reply processing',
  intervalMs: 60_000,
  timeoutMs: 5 * 60_000,
  run: async (ctx) => {
    const result = await collectInbox(ctx);
    if (result.collected > 0)
      await ctx.enqueue({ type: 'reply-to-email-request', params: {}, trigger: 'event' });
    return result;
  },
});
