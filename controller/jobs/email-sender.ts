import { runEmailSender } from '../notify/email-sender-run';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's "Email sender: send all queued emails". Reads the alert feed after its own
 * cursor (from the end of the feed on its first run), batches the changes of a digest
 * window per recipient by the notification rules, and queues one send-email job per
 * message (controller/notify/email-sender-run.ts).
 */
export const emailSender = defineInternalRobot({
  type: 'email-sender',
  describe: 'Turns alert changes into digest emails per recipient and queues send-email jobs',
  intervalMs: 15_000,
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  run: (ctx) => runEmailSender(ctx),
});
