import { processReplies } from '../approvals/process-replies';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's "Reply to email request": applies approvers' replies collected from the inbox
 * — a signed reply token, "approve" or "deny" on the first line, from the approver's own
 * address — and refuses (and audits) forged, replayed, expired and third-party ones
 * (controller/approvals/process-replies.ts). Queued by email-collector when mail arrived.
 */
export const replyToEmailRequest = defineInternalRobot({
  type: 'reply-to-email-request',
  describe: "Applies approvers' email replies to approval requests",
  intervalMs: 5 * 60_000,
  timeoutMs: 5 * 60_000,
  run: (ctx) => processReplies(ctx),
});
