/**
 * The owner's decision on one item of an open round: confirm (the grant stays) or revoke
 * (the grant is removed from every host now). Only the round's owner, or an admin, may
 * decide: an operator who is not the owner may remove grants in other ways, but may not
 * sign a review in the owner's name. A decision is final; a confirmed grant that should
 * go after all is removed with `authorizations remove`.
 */
import { conflict, forbidden, notFound } from '../../shared/errors';
import type { ReviewItemRecord } from '../store/access-review-records';
import type { Role } from '../store/records';
import type { Store } from '../store/store';
import { removeForItem, type QueueRemoval } from './review-removal';

export interface Decider {
  /** The token's name, matched against the round's owner. */
  name: string;
  role: Role;
  /** How the audit log names the caller. */
  actor: string;
}

export async function decideReviewItem(
  store: Pick<Store, 'accessReviews' | 'authorizations' | 'jobs' | 'audit'>,
  queueRemoval: QueueRemoval,
  req: {
    roundId: string;
    authorizationId: string;
    decision: 'confirmed' | 'revoked';
    note?: string;
  },
  who: Decider,
  now: number,
): Promise<{ item: ReviewItemRecord; jobId: string | null }> {
  const round = await store.accessReviews.getRound(req.roundId);
  if (!round)
    throw notFound(`no access review round ${req.roundId}`, {
      details: { field: 'id', value: req.roundId },
    });
  if (who.name !== round.owner && who.role !== 'admin')
    throw forbidden(
      `only the owner of access review round ${round.id} (${round.owner}) or an admin may decide its items; token ${who.name} is neither`,
      { details: { owner: round.owner, caller: who.name } },
    );
  if (round.state !== 'open')
    throw conflict(`access review round ${round.id} is closed: its deadline has passed`, {
      details: { state: round.state, closedAt: round.closedAt },
    });
  const item = await store.accessReviews.getItem(round.id, req.authorizationId);
  if (!item)
    throw notFound(`authorization ${req.authorizationId} is not an item of round ${round.id}`, {
      details: { field: 'authorizationId', value: req.authorizationId },
    });
  const already = () =>
    conflict(
      `the item of authorization ${item.authorizationId} is already ${item.decision}${item.decidedBy ? ` by ${item.decidedBy}` : ''}`,
      {
        details: { decision: item.decision, decidedBy: item.decidedBy, decidedAt: item.decidedAt },
      },
    );
  if (item.decision !== 'pending') throw already();
  const grant = await store.authorizations.get(item.authorizationId);
  if (!grant || grant.state !== 'active')
    throw conflict(
      `authorization ${item.authorizationId} is ${grant?.state ?? 'gone'}: there is nothing left to ${req.decision === 'confirmed' ? 'confirm' : 'revoke'}`,
      { details: { state: grant?.state ?? null } },
    );
  const decided = await store.accessReviews.decideItem(round.id, item.authorizationId, {
    decision: req.decision,
    by: who.actor,
    at: now,
    note: req.note ?? null,
    action: req.decision === 'revoked' ? 'remove' : null,
  });
  if (!decided) throw already();
  const jobId =
    req.decision === 'revoked' ? await removeForItem(store, decided, queueRemoval, now) : null;
  await store.audit.append({
    at: now,
    actor: who.actor,
    action: req.decision === 'confirmed' ? 'access-review.confirm' : 'access-review.revoke',
    subject: item.authorizationId,
    details: {
      roundId: round.id,
      campaignId: round.campaignId,
      fingerprint: item.fingerprint,
      account: item.account,
      target: item.target,
      ...(req.note ? { note: req.note } : {}),
      ...(jobId ? { jobId } : {}),
    },
  });
  const after = (await store.accessReviews.getItem(round.id, item.authorizationId)) ?? decided;
  return { item: after, jobId };
}
