/**
 * One run of the Email sender robot: the alert changes after its cursor, once their
 * digest window has closed, routed to recipients by the rules, one outbox message per
 * recipient, and one send-email job per message.
 *
 * Nothing is lost or sent twice across a crash at any point of a run:
 * 1. the range (cursor, end] is decided and stored as `pendingTo` before anything else;
 * 2. its messages get ids derived from the range and the recipient, and are stored
 *    once (a replay of the range finds them), each with its send-email job (dedupe key =
 *    message id; a job queued twice finds its message already sent and does nothing);
 * 3. only then does the cursor move to the end of the range.
 * A crash between 1 and 3 redoes exactly that range at the next run.
 */
import { purgeRecords } from '../archive/purge-records';
import { createHash } from 'node:crypto';
import type { JobContext } from '../engine/job-definition';
import type { AlertEvent } from '../store/records';
import { messageIdDomain } from './email-smtp-settings';
import { feedEnd, readRange } from './email-feed';
import { routeEvents } from './email-routing';
import { renderDigest } from './email-templates';
import { sendEmail } from '../jobs/send-email';

/** The name of this consumer's cursor over the alert feed. */
export const EMAIL_CONSUMER = 'email';
/** Most alert changes one run hands on (a flood is worked off over several runs). */
const RANGE_LIMIT = 1000;

export interface EmailSenderResult {
  /** The cursor the run started from and moved to. */
  from: string | null;
  to: string | null;
  events: number;
  messages: number;
  /** Set when the run did nothing and why. */
  waiting?: 'first-run' | 'no-events' | 'digest-window';
  /** Alert changes that matched a rule but were not mailed: no SMTP server configured. */
  notMailedNoSmtp?: number;
  /** Sent and failed messages older than KEYWARDEN_PURGE_JOBS_AFTER deleted by this run. */
  purged?: number;
}

/** The events of the next digest, or why there is none yet. */
async function nextRange(
  ctx: JobContext,
  from: string | null,
  now: number,
): Promise<AlertEvent[] | 'no-events' | 'digest-window'> {
  const events = await ctx.store.alerts.events(from ?? undefined, RANGE_LIMIT);
  const first = events[0];
  if (!first) return 'no-events';
  const windowMs = ctx.config.notifyDigestWindowMs;
  const windowEnd = first.at + windowMs;
  // A full read is a flood: hand it on now, the cap of each message keeps it readable.
  // Without a window, everything there is now goes.
  if (events.length === RANGE_LIMIT || windowMs === 0) return events;
  if (now < windowEnd) return 'digest-window';
  const inWindow: AlertEvent[] = [];
  for (const e of events) {
    if (e.at >= windowEnd && inWindow.length > 0) break;
    inWindow.push(e);
  }
  return inWindow;
}

/** Deterministic: the same range and recipient always give the same message. */
const messageKey = (from: string | null, to: string, recipient: string): string =>
  createHash('sha256')
    .update(`${from ?? ''}\n${to}\n${recipient}`)
    .digest('hex')
    .slice(0, 32);

export async function runEmailSender(ctx: JobContext): Promise<EmailSenderResult> {
  const now = ctx.now();
  // Ended messages go with the job records of the same age (no range that old is replayed).
  const { purged } = await purgeRecords(
    ctx.store,
    ctx.config,
    { kind: 'email-outbox', before: now - ctx.config.purgeJobsAfterMs },
    () => ctx.now(),
  );
  const result = await handOn(ctx, now);
  return purged > 0 ? { ...result, purged } : result;
}

async function handOn(ctx: JobContext, now: number): Promise<EmailSenderResult> {
  const repo = ctx.store.notifications;
  const state = await repo.getCursor(EMAIL_CONSUMER);
  if (!state) {
    const end = await feedEnd(ctx.store.alerts, null);
    await repo.putCursor({
      consumer: EMAIL_CONSUMER,
      cursor: end,
      pendingTo: null,
      updatedAt: now,
    });
    return { from: null, to: end, events: 0, messages: 0, waiting: 'first-run' };
  }
  const from = state.cursor;
  let events: AlertEvent[];
  if (state.pendingTo !== null) {
    events = await readRange(ctx.store.alerts, from, state.pendingTo);
  } else {
    const next = await nextRange(ctx, from, now);
    if (typeof next === 'string') return { from, to: from, events: 0, messages: 0, waiting: next };
    events = next;
  }
  const to = state.pendingTo ?? events[events.length - 1]!.cursor;
  if (state.pendingTo === null)
    await repo.putCursor({ consumer: EMAIL_CONSUMER, cursor: from, pendingTo: to, updatedAt: now });

  const routed = routeEvents(await repo.listRules(), events);
  const smtp = await repo.getSmtp();
  let messages = 0;
  let notMailed = 0;
  if (!smtp) {
    for (const list of routed.values()) notMailed += list.length;
    if (notMailed > 0)
      ctx.log.warn(
        { alertChanges: notMailed },
        'alert changes matched notification rules but no SMTP server is configured: not mailed',
      );
  } else {
    const domain = messageIdDomain(smtp.from);
    for (const [recipient, list] of routed) {
      const id = messageKey(from, to, recipient);
      const body = renderDigest(list, ctx.config.notifyDigestMaxAlerts);
      await repo.addMessage(
        {
          id,
          messageId: `<kw.${id}@${domain}>`,
          recipient,
          ...body,
          alertIds: [...new Set(list.map((e) => e.alert.id))],
          fromCursor: from,
          toCursor: to,
        },
        now,
      );
      await ctx.enqueue({
        type: sendEmail.type,
        params: { messageId: id },
        trigger: 'system',
        dedupeKey: `send-email:${id}`,
      });
      messages++;
    }
  }
  await repo.putCursor({ consumer: EMAIL_CONSUMER, cursor: to, pendingTo: null, updatedAt: now });
  return {
    from,
    to,
    events: events.length,
    messages,
    ...(notMailed > 0 ? { notMailedNoSmtp: notMailed } : {}),
  };
}
