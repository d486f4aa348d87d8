/**
 * Keys found in the fleet attributed to people: a fingerprint among a person's keys (the
 * directory's sshPublicKey, or one given with `people add-key`) is theirs; otherwise a key
 * whose comment matches the configured pattern (its capture compared with a person's uid
 * or email) is theirs. An admin's attribution (`keys attribute`) is never replaced. Only
 * the changes are written and audited; run at the end of each sync and by
 * account-discovery, so keys a scan finds between syncs are attributed too.
 */
import type { JobContext } from '../engine/job-definition';
import type { KeyOwnerRecord, PersonRecord } from '../store/directory-records';
import { ldapSyncOptions } from './ldap-settings';

export interface KeyAttributionResult {
  attributed: number;
  changed: number;
  removed: number;
}

const PAGE = 500;
/** Comments are free text from hosts: only this much is matched against the pattern. */
const MAX_COMMENT = 256;

type Want = Pick<KeyOwnerRecord, 'personId' | 'method' | 'detail'>;

/** Who a key of the fleet belongs to by the people's own keys; the active person first. */
function ownKeys(people: PersonRecord[]): Map<string, Want> {
  const out = new Map<string, Want>();
  const ordered = [...people].sort(
    (a, b) => Number(a.state === 'active') - Number(b.state === 'active'),
  );
  for (const p of ordered)
    for (const k of p.keys)
      out.set(k.fingerprint, {
        personId: p.id,
        method: k.source === 'directory' ? 'directory' : 'uploaded',
        detail: null,
      });
  return out;
}

export function commentMatcher(
  pattern: string | null,
  field: 'uid' | 'email',
  people: PersonRecord[],
): (comment: string | null) => Want | null {
  if (!pattern) return () => null;
  const re = new RegExp(pattern, 'i');
  const byValue = new Map<string, PersonRecord>();
  for (const p of people) {
    const v = field === 'uid' ? p.uid : p.email;
    if (v && (!byValue.has(v.toLowerCase()) || p.state === 'active'))
      byValue.set(v.toLowerCase(), p);
  }
  return (comment) => {
    if (!comment) return null;
    const text = comment.slice(0, MAX_COMMENT);
    const captured = re.exec(text)?.[1];
    const p = captured ? byValue.get(captured.toLowerCase()) : undefined;
    return p ? { personId: p.id, method: 'comment', detail: text } : null;
  };
}

// One run at a time in this process: ldap-sync and account-discovery both run it, and two
// runs at once would each audit the same change.
let running: Promise<unknown> = Promise.resolve();

export function attributeKeys(ctx: JobContext): Promise<KeyAttributionResult> {
  const next = running.then(() => attributeOnce(ctx));
  running = next.catch(() => undefined);
  return next;
}

async function attributeOnce(ctx: JobContext): Promise<KeyAttributionResult> {
  const settings = await ctx.store.directory.getLdap();
  const o = settings ? ldapSyncOptions(settings) : null;
  const people = await ctx.store.directory.listPeople();
  const own = ownKeys(people);
  const byComment = commentMatcher(
    o?.keyCommentPattern ?? null,
    o?.keyCommentField ?? 'uid',
    people,
  );
  const existing = new Map(
    (await ctx.store.directory.listKeyOwners()).map((k) => [k.fingerprint, k]),
  );
  const result: KeyAttributionResult = { attributed: 0, changed: 0, removed: 0 };
  // No people, nothing attributed: a fleet without a directory is not read for nothing.
  if (people.length === 0 && existing.size === 0) return result;
  const kept = new Set<string>();
  const now = ctx.now();
  const audit = (action: string, fingerprint: string, details: Record<string, unknown>) =>
    ctx.store.audit.append({
      at: now,
      actor: ctx.job.createdBy,
      action,
      subject: fingerprint,
      details,
    });
  let after: string | undefined;
  for (;;) {
    const page = await ctx.store.inventory.items.listFingerprints(
      { kinds: ['authorized-key', 'private-key'] },
      { limit: PAGE, ...(after ? { after } : {}) },
    );
    const needComments = page.items.filter((fp) => !own.has(fp));
    const comments = new Map(
      (await ctx.store.inventory.items.summarize('authorized-key', needComments)).map((s) => [
        s.fingerprint,
        (s.data as { comment?: string }).comment ?? null,
      ]),
    );
    for (const fp of page.items) {
      const had = existing.get(fp);
      if (had?.method === 'manual') {
        result.attributed += 1;
        continue;
      }
      const want = own.get(fp) ?? byComment(comments.get(fp) ?? null);
      if (!want) continue;
      kept.add(fp);
      result.attributed += 1;
      if (
        had &&
        had.personId === want.personId &&
        had.method === want.method &&
        had.detail === want.detail
      )
        continue;
      await ctx.store.directory.putKeyOwner({
        fingerprint: fp,
        ...want,
        by: ctx.job.createdBy,
        at: now,
      });
      result.changed += 1;
      await audit('key.attributed', fp, {
        personId: want.personId,
        method: want.method,
        before: had?.personId ?? null,
      });
    }
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  // Automatic attributions whose reason is gone (the key left the fleet or the person's keys).
  for (const had of existing.values()) {
    if (had.method === 'manual' || kept.has(had.fingerprint)) continue;
    await ctx.store.directory.removeKeyOwner(had.fingerprint);
    result.removed += 1;
    await audit('key.unattributed', had.fingerprint, {
      personId: had.personId,
      method: had.method,
    });
  }
  return result;
}
