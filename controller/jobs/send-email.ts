import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { sendOutboxMessage } from '../notify/email-send-one';

/**
 * The catalogue's send-email: sends one message of the outbox (queued by the Email
 * sender robot) through the configured SMTP server. Retried with backoff on temporary
 * failures; a message the server accepted is never sent again by a retry
 * (controller/notify/email-send-one.ts).
 */
export const sendEmail = defineJob({
  type: 'send-email',
  describe: 'Sends one queued notification email through the configured SMTP server',
  params: Type.Object(
    { messageId: Type.String({ minLength: 1, maxLength: 64, description: 'outbox message id' }) },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 5 * 60_000,
  // An operator may send a message again after fixing what failed it (jobs retry, jobs run).
  adminTriggerable: true,
  idempotent: true,
  // A mail server down for maintenance gets about a day of retries before the message fails.
  retry: { maxAttempts: 12, baseDelayMs: 30_000, maxDelayMs: 4 * 3_600_000 },
  run: (params, ctx) => sendOutboxMessage(ctx, params.messageId),
});
