/**
 * Sends one outbox message, at most once as far as Keywarden can know:
 * - sent already (a retry, a replayed job, a crash after the server's 250 was recorded):
 *   nothing is sent again;
 * - otherwise it is marked sending (one attempt more) and given to the server with the
 *   same Message-ID as every earlier attempt, and marked sent the moment the server
 *   accepts it, before the job itself completes.
 * A crash while sending leaves it `sending`; the job is reclaimed and sends again. The
 * server discards a message whose connection closed before the end of its data (RFC
 * 5321 4.1.1.4), so the one window left for a second copy is between the server's "250"
 * and the write of `sent` (docs/notifications.md).
 */
import { notFound, smtpNotConfigured, toErrorRecord } from '../../shared/errors';
import type { JobContext } from '../engine/job-definition';
import { secretBoxFor } from '../secrets/secret-boxes';
import { SMTP_PASSWORD_CONTEXT } from './email-smtp-settings';
import { sendThroughSmtp } from './email-transport';
import { openOutboxContent } from './outbox-sealing';

export interface SendEmailResult {
  outboxId: string;
  messageId: string;
  recipient: string;
  state: 'sent';
  /** True when an earlier attempt had already been accepted: nothing was sent now. */
  alreadySent: boolean;
  response: string | null;
}

export async function sendOutboxMessage(ctx: JobContext, id: string): Promise<SendEmailResult> {
  const repo = ctx.store.notifications;
  const found = await repo.getMessage(id);
  if (!found)
    throw notFound(`no outbox message ${id}`, { details: { field: 'messageId', value: id } });
  const done = (m: typeof found, alreadySent: boolean): SendEmailResult => ({
    outboxId: m.id,
    messageId: m.messageId,
    recipient: m.recipient,
    state: 'sent',
    alreadySent,
    response: m.serverResponse,
  });
  // A failed message is sent again only when asked (an operator's retry runs this job).
  if (found.state === 'sent') return done(found, true);
  const smtp = await repo.getSmtp();
  if (!smtp) {
    const err = smtpNotConfigured(
      'no SMTP server is configured: keywarden notifications smtp set, then retry this job',
    );
    await repo.noteFailure(id, `${err.code}: ${err.message}`, false, ctx.now());
    throw err;
  }
  const box = secretBoxFor(ctx.config);
  const password = smtp.passwordSealed
    ? box.open(smtp.passwordSealed, SMTP_PASSWORD_CONTEXT)
    : null;
  const msg = await repo.markSending(id, ctx.now());
  if (!msg) {
    const now = await repo.getMessage(id);
    return done(now ?? found, now?.state === 'sent');
  }
  try {
    const { response } = await sendThroughSmtp(
      smtp,
      password,
      {
        to: msg.recipient,
        subject: openOutboxContent(box, msg.id, msg.subject),
        text: openOutboxContent(box, msg.id, msg.text),
        html: openOutboxContent(box, msg.id, msg.html),
        messageId: msg.messageId,
        headers: { 'X-Keywarden-Outbox': msg.id },
      },
      ctx.config.smtpTimeoutMs,
    );
    await repo.markSent(id, response, ctx.now());
    ctx.log.info({ outboxId: id, recipient: msg.recipient }, 'email sent');
    return { ...done(msg, false), state: 'sent', response };
  } catch (err) {
    const rec = toErrorRecord(err);
    const final = !rec.retryable || ctx.job.attempts >= ctx.job.maxAttempts;
    await repo.noteFailure(id, `${rec.code}: ${rec.message}`, final, ctx.now());
    throw err;
  }
}
