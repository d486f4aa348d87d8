/**
 * Opens the rounds that are due: one per campaign whose nextRoundAt has come. Safe to run
 * again after a crash at any point: the round's id is made of the campaign and its due
 * time, so a second run finds the round it opened; items are inserted only when missing,
 * so a decision already made is kept; the campaign moves on to its next due time last,
 * and only from the due time it was read with.
 */
import type { Logger } from 'pino';
import type { ReviewCampaignRecord, ReviewItemRecord } from '../store/access-review-records';
import { idFloorAt } from '../store/ids';
import type { Store } from '../store/store';
import { grantsInScope } from './grants-in-scope';

type ReviewStore = Pick<Store, 'accessReviews' | 'authorizations' | 'hosts' | 'audit'>;

export const roundIdOf = (campaignId: string, dueAt: number): string =>
  `${idFloorAt(dueAt)}-${campaignId}`;

/** The first due time after `now` on the campaign's period (missed rounds are not made up). */
export function nextDueAfter(periodMs: number, dueAt: number, now: number): number {
  const missed = Math.floor((now - dueAt) / periodMs);
  return dueAt + (Math.max(0, missed) + 1) * periodMs;
}

export async function openRound(
  store: ReviewStore,
  c: ReviewCampaignRecord,
  now: number,
): Promise<{ roundId: string; items: number; created: boolean } | null> {
  const dueAt = c.nextRoundAt;
  if (dueAt === null) return null; // stopped
  const { round, created } = await store.accessReviews.openRound({
    id: roundIdOf(c.id, dueAt),
    campaignId: c.id,
    groupId: c.groupId,
    applicationId: c.applicationId,
    owner: c.owner,
    onUnconfirmed: c.onUnconfirmed,
    state: 'open',
    dueAt,
    openedAt: now,
    deadlineAt: now + c.deadlineMs,
    closedAt: null,
  });
  let items = 0;
  // A round closed already (the robot was away past its deadline) takes no new items.
  if (round.state === 'open') {
    const grants = await grantsInScope(store, c.groupId, now);
    const records: ReviewItemRecord[] = grants.map((a) => ({
      roundId: round.id,
      campaignId: c.id,
      authorizationId: a.id,
      fingerprint: a.fingerprint,
      account: a.account,
      target: a.target,
      options: a.options,
      expiresAt: a.expiresAt,
      grantedBy: a.createdBy,
      grantedAt: a.createdAt,
      decision: 'pending',
      decidedBy: null,
      decidedAt: null,
      note: null,
      action: null,
      removalJobId: null,
      alertId: null,
    }));
    for (let i = 0; i < records.length; i += 500)
      items += await store.accessReviews.addItems(records.slice(i, i + 500));
  }
  if (created)
    await store.audit.append({
      at: now,
      actor: 'system',
      action: 'access-review.open',
      subject: round.id,
      details: {
        campaignId: c.id,
        groupId: c.groupId,
        owner: c.owner,
        deadlineAt: round.deadlineAt,
        items,
      },
    });
  await store.accessReviews.advanceCampaign(c.id, dueAt, nextDueAfter(c.periodMs, dueAt, now), now);
  return { roundId: round.id, items, created };
}

export async function openDueRounds(
  store: ReviewStore,
  now: number,
  log: Logger,
): Promise<string[]> {
  const opened: string[] = [];
  for (const c of await store.accessReviews.listDueCampaigns(now, 100)) {
    const r = await openRound(store, c, now);
    if (!r) continue;
    log.info({ campaignId: c.id, roundId: r.roundId, items: r.items }, 'access review round open');
    opened.push(r.roundId);
  }
  return opened;
}
