/**
 * One run of the Email collector: the unread messages of the configured inbox, at most
 * KEYWARDEN_IMAP_MAX_MESSAGES of them, each at most KEYWARDEN_IMAP_MAX_MESSAGE_BYTES (a
 * larger one is not downloaded: it is recorded as skipped). Each is stored before it is
 * marked read (\Seen, and moved to the processed mailbox when one is set), and its record
 * id comes from the mailbox, UIDVALIDITY and UID: a crash between the two collects it
 * again into the same record, so nothing is lost and nothing is processed twice. Its
 * subject and text are sealed in the store (they may carry an unused reply token) until
 * Reply to email request has read them.
 */
import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { imapFailed } from '../../shared/errors';
import type { JobContext } from '../engine/job-definition';
import { secretBoxFor } from '../secrets/secret-boxes';
import type { ImapSettingsRecord, InboundMailRecord } from '../store/approval-records';
import { IMAP_PASSWORD_CONTEXT } from './imap-settings';

export const inboundContext = (id: string) => `approvals:inbound:${id}`;

export interface CollectResult {
  notConfigured?: true;
  collected: number;
  skippedTooLarge: number;
  /** Unread messages left for the next run (over the per-run limit). */
  left: number;
}

function client(s: ImapSettingsRecord, password: string, timeoutMs: number): ImapFlow {
  return new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    // STARTTLS is required, never skipped: a server that does not offer it is refused.
    ...(s.security === 'starttls' ? { doSTARTTLS: true } : {}),
    auth: { user: s.username, pass: password },
    tls: {
      ...(s.caCertificate ? { ca: s.caCertificate } : {}),
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    disableAutoIdle: true,
  });
}

const failed = (s: ImapSettingsRecord, err: unknown) => {
  const e = err as { message?: string; responseText?: string; code?: string };
  const what = e.responseText ?? e.message ?? String(err);
  return imapFailed(`IMAP ${s.host}:${s.port}: ${what}`, {
    details: { server: `${s.host}:${s.port}`, ...(e.code ? { imapCode: e.code } : {}) },
    cause: err,
  });
};

export async function collectInbox(ctx: JobContext): Promise<CollectResult> {
  const settings = await ctx.store.approvals.getImap();
  if (!settings) return { notConfigured: true, collected: 0, skippedTooLarge: 0, left: 0 };
  const box = secretBoxFor(ctx.config);
  const imap = client(
    settings,
    box.open(settings.passwordSealed, IMAP_PASSWORD_CONTEXT),
    ctx.config.imapTimeoutMs,
  );
  imap.on('error', () => undefined); // surfaced by the awaited call that fails
  const result: CollectResult = { collected: 0, skippedTooLarge: 0, left: 0 };
  try {
    await imap.connect();
    const lock = await imap.getMailboxLock(settings.mailbox);
    try {
      const uidValidity = String(imap.mailbox === false ? '0' : (imap.mailbox.uidValidity ?? '0'));
      const unread = ((await imap.search({ seen: false }, { uid: true })) || []).sort(
        (a, b) => a - b,
      );
      const batch = unread.slice(0, ctx.config.imapMaxMessagesPerRun);
      result.left = unread.length - batch.length;
      if (batch.length > 0) {
        const sizes = new Map<number, number>();
        for await (const m of imap.fetch(batch, { uid: true, size: true }, { uid: true }))
          sizes.set(m.uid, m.size ?? 0);
        const done: number[] = [];
        for (const uid of batch) {
          ctx.signal.throwIfAborted();
          const id = createHash('sha256')
            .update(`${settings.mailbox}\n${uidValidity}\n${uid}`)
            .digest('hex')
            .slice(0, 32);
          const size = sizes.get(uid) ?? 0;
          const record = await readOne(imap, uid, id, size, ctx, box);
          if (record.state === 'processed') result.skippedTooLarge += 1;
          if (await ctx.store.approvals.addInbound(record)) result.collected += 1;
          done.push(uid);
        }
        await markDone(imap, settings, done);
      }
    } finally {
      lock.release();
    }
    await imap.logout();
  } catch (err) {
    imap.close();
    if ((err as { code?: string }).code === 'JOB_CANCELLED') throw err;
    throw failed(settings, err);
  }
  return result;
}

async function readOne(
  imap: ImapFlow,
  uid: number,
  id: string,
  size: number,
  ctx: JobContext,
  box: ReturnType<typeof secretBoxFor>,
): Promise<InboundMailRecord> {
  const now = ctx.now();
  const base = { id, collectedAt: now, processedAt: null };
  if (size > ctx.config.imapMaxMessageBytes)
    return {
      ...base,
      from: '',
      messageId: null,
      sealed: null,
      state: 'processed',
      outcome: `skipped: ${size} bytes is over the ${ctx.config.imapMaxMessageBytes}-byte limit`,
      processedAt: now,
    };
  const msg = await imap.fetchOne(String(uid), { source: true }, { uid: true });
  const source = msg && msg.source ? msg.source : Buffer.alloc(0);
  const parsed = await simpleParser(source.subarray(0, ctx.config.imapMaxMessageBytes), {
    skipHtmlToText: false,
    skipImageLinks: true,
    skipTextLinks: true,
  });
  const from = parsed.from?.value.length === 1 ? (parsed.from.value[0]?.address ?? '') : '';
  const content = JSON.stringify({ subject: parsed.subject ?? '', text: parsed.text ?? '' });
  return {
    ...base,
    from: from.toLowerCase(),
    messageId: parsed.messageId ?? null,
    sealed: box.seal(content, inboundContext(id)),
    state: 'new',
    outcome: null,
  };
}

async function markDone(imap: ImapFlow, s: ImapSettingsRecord, uids: number[]): Promise<void> {
  if (uids.length === 0) return;
  await imap.messageFlagsAdd(uids, ['\\Seen'], { uid: true });
  if (s.processedMailbox === null) return;
  const boxes = await imap.list();
  if (!boxes.some((b) => b.path === s.processedMailbox))
    await imap.mailboxCreate(s.processedMailbox);
  await imap.messageMove(uids, s.processedMailbox, { uid: true });
}
