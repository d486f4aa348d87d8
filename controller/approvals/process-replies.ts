/**
 * One run of Reply to email request: each collected message is read once. A reply counts
 * when it carries exactly one reply token (in the subject or the text, where "Re:" and
 * quoting keep it), its first line that is not quoted says "approve" or "deny", and it
 * comes from the address of the approver the token was issued to (redeem-token.ts checks
 * the token itself: signature, deadline, single use). Anything else is refused and
 * audited, except mail that carries no token at all (not a reply to Keywarden), which is
 * only noted on the record. Every message ends `processed`, its sealed content dropped.
 */
import { errorCode, toErrorRecord } from '../../shared/errors';
import type { JobContext } from '../engine/job-definition';
import { secretBoxFor } from '../secrets/secret-boxes';
import type { InboundMailRecord } from '../store/approval-records';
import { approvalDepsOf } from './approval-deps';
import { TOKEN_PATTERN } from './approval-tokens';
import { inboundContext } from './collect-inbox';
import { refuse } from './decide-approval';
import { redeemToken } from './redeem-token';

const BATCH = 100;

export interface RepliesResult {
  processed: number;
  decided: number;
  refused: number;
  ignored: number;
  purged?: number;
}

/** approve or deny from the first line that is neither blank nor quoted, else null. */
export function replyDecision(text: string): 'approve' | 'deny' | null {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('>')) continue;
    if (/^(approve|approved|yes)\b/i.test(line)) return 'approve';
    if (/^(deny|denied|reject|rejected|no)\b/i.test(line)) return 'deny';
    return null;
  }
  return null;
}

/** The distinct reply tokens in the subject and text (link tokens in a quote are not replies). */
export function replyTokens(subject: string, text: string): string[] {
  const found = `${subject}\n${text}`.match(TOKEN_PATTERN) ?? [];
  return [...new Set(found.filter((t) => t.split('.')[3] === 'r'))];
}

export async function processReplies(ctx: JobContext): Promise<RepliesResult> {
  const deps = approvalDepsOf(ctx);
  const box = secretBoxFor(ctx.config);
  const result: RepliesResult = { processed: 0, decided: 0, refused: 0, ignored: 0 };
  const mails = await ctx.store.approvals.listInbound({ state: 'new' }, BATCH);
  for (const mail of mails) {
    ctx.signal.throwIfAborted();
    const outcome = await handle(ctx, deps, box, mail, result);
    if (await ctx.store.approvals.markInboundProcessed(mail.id, outcome, ctx.now()))
      result.processed += 1;
  }
  const purged = await ctx.store.approvals.purgeInbound(ctx.now() - ctx.config.purgeJobsAfterMs);
  return purged > 0 ? { ...result, purged } : result;
}

async function handle(
  ctx: JobContext,
  deps: ReturnType<typeof approvalDepsOf>,
  box: ReturnType<typeof secretBoxFor>,
  mail: InboundMailRecord,
  result: RepliesResult,
): Promise<string> {
  const now = ctx.now();
  if (mail.sealed === null) return 'nothing to read';
  const { subject, text } = JSON.parse(box.open(mail.sealed, inboundContext(mail.id))) as {
    subject: string;
    text: string;
  };
  const tokens = replyTokens(subject, text);
  const by = mail.from || '(no single From address)';
  if (tokens.length === 0) {
    result.ignored += 1;
    return 'ignored: no approval token';
  }
  try {
    if (tokens.length > 1)
      await refuse(
        deps,
        {
          requestId: null,
          via: 'email',
          by,
          reason: 'the reply carries more than one reply token',
        },
        now,
      );
    const decision = replyDecision(text);
    if (decision === null)
      await refuse(
        deps,
        {
          requestId: (tokens[0] as string).split('.')[1] ?? null,
          via: 'email',
          by,
          reason: 'the first line of the reply is neither "approve" nor "deny"',
        },
        now,
      );
    const after = await redeemToken(
      deps,
      tokens[0] as string,
      { via: 'email', from: mail.from, decision: decision as 'approve' | 'deny' },
      now,
    );
    result.decided += 1;
    return `${decision} of ${after.id} counted: the request is ${after.state}`;
  } catch (err) {
    if (errorCode(err) !== 'APPROVAL_REFUSED') throw err;
    result.refused += 1;
    return `refused: ${toErrorRecord(err).message}`;
  }
}
