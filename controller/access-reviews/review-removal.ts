/**
 * Takes away a grant an access review revoked or left unconfirmed: the grant is ended
 * (`removed`, by whoever decided) and one remove-authorization job is queued for it.
 *
 * Never twice for one item: the job carries the item's dedupe key (the queue keeps one
 * active job per key), and its id is recorded on the item. Only when a run died between
 * queueing and recording does the next one find no id; it then looks for the job by its
 * key among the removals queued since the decision before queueing one.
 */
import type { ReviewItemRecord } from '../store/access-review-records';
import type { JobRecord } from '../store/records';
import type { Store } from '../store/store';
import { removeAuthorization } from '../jobs/remove-authorization';

export type QueueRemoval = (job: { authorizationId: string; dedupeKey: string }) => Promise<string>;

type RemovalStore = Pick<Store, 'accessReviews' | 'authorizations' | 'jobs'>;

export const removalKeyOf = (item: Pick<ReviewItemRecord, 'roundId' | 'authorizationId'>) =>
  `access-review:${item.roundId}|${item.authorizationId}`;

async function findQueuedRemoval(
  store: Pick<Store, 'jobs'>,
  dedupeKey: string,
  since: number,
): Promise<JobRecord | null> {
  let after: string | undefined;
  do {
    const page = await store.jobs.list(
      { type: [removeAuthorization.type], createdSince: since - 60_000 },
      { limit: 500, ...(after ? { after } : {}) },
    );
    const found = page.items.find((j) => j.dedupeKey === dedupeKey);
    if (found) return found;
    after = page.nextCursor ?? undefined;
  } while (after);
  return null;
}

/** Returns the removal job's id (null when the grant had already ended some other way). */
export async function removeForItem(
  store: RemovalStore,
  item: ReviewItemRecord,
  queueRemoval: QueueRemoval,
  now: number,
): Promise<string | null> {
  if (item.removalJobId) return item.removalJobId;
  const dedupeKey = removalKeyOf(item);
  const ended = await store.authorizations.transition(
    item.authorizationId,
    ['active'],
    { state: 'removed', by: item.decidedBy ?? 'system' },
    now,
  );
  if (!ended) {
    // Not active any more: ended by this decision in a run that died, or by someone else.
    const grant = await store.authorizations.get(item.authorizationId);
    if (!grant || grant.removedBy !== item.decidedBy) return null;
    const queued = await findQueuedRemoval(store, dedupeKey, item.decidedAt ?? now);
    if (queued) {
      await store.accessReviews.recordItemAction(item.roundId, item.authorizationId, {
        removalJobId: queued.id,
      });
      return queued.id;
    }
  }
  const jobId = await queueRemoval({ authorizationId: item.authorizationId, dedupeKey });
  await store.accessReviews.recordItemAction(item.roundId, item.authorizationId, {
    removalJobId: jobId,
  });
  return jobId;
}
