/**
 * At a round's deadline: every item still pending becomes `unconfirmed` and its grant is
 * removed or alerted on, as the campaign said when the round opened (an item whose grant
 * ended meanwhile becomes `ended`: nothing is left to take away). Then the round closes.
 *
 * Safe to run again after a crash at any point: a decision is recorded only from
 * `pending`, and every decided item whose action is not recorded yet (its removal job, its
 * alert) is finished before the round closes; see review-removal.ts for why a removal is
 * never queued twice.
 */
import type { Logger } from 'pino';
import type { ReviewItemRecord, ReviewRoundRecord } from '../store/access-review-records';
import type { Store } from '../store/store';
import { removeForItem, removalKeyOf, type QueueRemoval } from './review-removal';

type CloseStore = Pick<Store, 'accessReviews' | 'authorizations' | 'jobs' | 'alerts' | 'audit'>;

export interface CloseSummary {
  closed: string[];
  removed: number;
  alerted: number;
  ended: number;
}

async function* itemsOf(
  store: CloseStore,
  filter: Parameters<CloseStore['accessReviews']['listItems']>[0],
): AsyncGenerator<ReviewItemRecord> {
  let after: string | undefined;
  do {
    const page = await store.accessReviews.listItems(filter, {
      limit: 200,
      ...(after ? { after } : {}),
    });
    yield* page.items;
    after = page.nextCursor ?? undefined;
  } while (after);
}

/** Queues the removal or raises the alert a decided item still lacks. */
export async function finishItemAction(
  store: CloseStore,
  round: ReviewRoundRecord,
  item: ReviewItemRecord,
  queueRemoval: QueueRemoval,
  now: number,
): Promise<'removed' | 'alerted' | null> {
  if (item.action === 'remove' && item.removalJobId === null) {
    const jobId = await removeForItem(store, item, queueRemoval, now);
    if (jobId && item.decision === 'unconfirmed')
      await store.audit.append({
        at: now,
        actor: 'system',
        action: 'access-review.unconfirmed',
        subject: item.authorizationId,
        details: { roundId: round.id, campaignId: round.campaignId, action: 'remove', jobId },
      });
    return jobId ? 'removed' : null;
  }
  if (item.action === 'alert' && item.alertId === null) {
    const { alert } = await store.alerts.raise(
      {
        type: 'access-review-unconfirmed',
        severity: 'warning',
        subject: item.authorizationId,
        message: `grant ${item.authorizationId} (${item.fingerprint} as ${item.account}) was not confirmed by ${round.owner} before the deadline of access review round ${round.id}`,
        dedupeKey: removalKeyOf(item),
      },
      now,
    );
    await store.accessReviews.recordItemAction(item.roundId, item.authorizationId, {
      alertId: alert.id,
    });
    await store.audit.append({
      at: now,
      actor: 'system',
      action: 'access-review.unconfirmed',
      subject: item.authorizationId,
      details: {
        roundId: round.id,
        campaignId: round.campaignId,
        action: 'alert',
        alertId: alert.id,
      },
    });
    return 'alerted';
  }
  return null;
}

export async function closeRound(
  store: CloseStore,
  round: ReviewRoundRecord,
  queueRemoval: QueueRemoval,
  now: number,
): Promise<Omit<CloseSummary, 'closed'>> {
  const sum = { removed: 0, alerted: 0, ended: 0 };
  for await (const item of itemsOf(store, { roundId: round.id, decision: ['pending'] })) {
    const grant = await store.authorizations.get(item.authorizationId);
    if (!grant || grant.state !== 'active') {
      const done = await store.accessReviews.decideItem(round.id, item.authorizationId, {
        decision: 'ended',
        by: 'system',
        at: now,
        note: grant ? `the grant was ${grant.state} before the deadline` : 'the grant is gone',
      });
      if (done) sum.ended++;
      continue;
    }
    await store.accessReviews.decideItem(round.id, item.authorizationId, {
      decision: 'unconfirmed',
      by: `access-review:${round.id}`,
      at: now,
      note: 'not confirmed by the deadline',
      action: round.onUnconfirmed,
    });
  }
  // Every decided item's action, those of a run that died half-way included.
  for await (const item of itemsOf(store, {
    roundId: round.id,
    decision: ['unconfirmed', 'revoked'],
  })) {
    const done = await finishItemAction(store, round, item, queueRemoval, now);
    if (done === 'removed') sum.removed++;
    if (done === 'alerted') sum.alerted++;
  }
  const closed = await store.accessReviews.transitionRound(round.id, 'open', 'closed', now);
  if (closed)
    await store.audit.append({
      at: now,
      actor: 'system',
      action: 'access-review.close',
      subject: round.id,
      details: {
        campaignId: round.campaignId,
        onUnconfirmed: round.onUnconfirmed,
        counts: await store.accessReviews.countItems(round.id),
      },
    });
  return sum;
}

/**
 * Closes every open round past its deadline, and for open rounds finishes the removals of
 * revoked items whose request died before recording its job (decided over a minute ago,
 * so a request still running is not raced).
 */
export async function closeDueRounds(
  store: CloseStore,
  now: number,
  queueRemoval: QueueRemoval,
  log: Logger,
): Promise<CloseSummary> {
  const sum: CloseSummary = { closed: [], removed: 0, alerted: 0, ended: 0 };
  const open: ReviewRoundRecord[] = [];
  let after: string | undefined;
  do {
    const page = await store.accessReviews.listRounds(
      { state: ['open'] },
      { limit: 200, ...(after ? { after } : {}) },
    );
    open.push(...page.items);
    after = page.nextCursor ?? undefined;
  } while (after);
  for (const round of open) {
    if (round.deadlineAt > now) {
      for await (const item of itemsOf(store, { roundId: round.id, removalUnqueued: true }))
        if ((item.decidedAt ?? 0) < now - 60_000)
          await finishItemAction(store, round, item, queueRemoval, now);
      continue;
    }
    const s = await closeRound(store, round, queueRemoval, now);
    log.info({ roundId: round.id, ...s }, 'access review round closed');
    sum.closed.push(round.id);
    sum.removed += s.removed;
    sum.alerted += s.alerted;
    sum.ended += s.ended;
  }
  return sum;
}
