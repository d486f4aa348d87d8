/**
 * The auditor's question: who had access to host H (or group G) between two moments, and
 * who allowed it. Answered from the grants (authorizations, which are never deleted: a
 * removed or expired one keeps who removed it and when) and from the access reviews that
 * confirmed or revoked each one.
 *
 * A host's grants are those naming it and those that reached it through a group (its
 * placements, so a group it has since left counts); a group's are those naming it and
 * those naming a host in it now. Lines Keywarden never placed are not grants: the access
 * graph's point-in-time query (`access who-could-log-in`) answers for those.
 */
import { invalidInput } from '../../shared/errors';
import type { ItemDecision } from '../store/access-review-records';
import type { AuthorizationRecord } from '../store/authorization-records';
import type { Store } from '../store/store';
import { allAuthorizations } from './grants-in-scope';
import { targetHostIds } from '../authorizations/target-hosts';

export interface ReviewDecisionEntry {
  roundId: string;
  campaignId: string;
  decision: ItemDecision;
  decidedBy: string | null;
  decidedAt: number | null;
  note: string | null;
}

export interface AccessHistoryEntry {
  authorizationId: string;
  fingerprint: string;
  account: string;
  target: AuthorizationRecord['target'];
  state: AuthorizationRecord['state'];
  /** When the grant took effect and when it stopped (removed, or expired); null: still holds. */
  from: number;
  until: number | null;
  grantedBy: string;
  endedBy: string | null;
  /** Every access review that looked at it, oldest first. */
  reviews: ReviewDecisionEntry[];
}

type HistoryStore = Pick<Store, 'authorizations' | 'hosts' | 'accessReviews'>;

const endOf = (a: AuthorizationRecord): number | null => {
  const ends = [a.removedAt, a.expiresAt].filter((t): t is number => t !== null);
  return ends.length ? Math.min(...ends) : null;
};

export async function accessHistory(
  store: HistoryStore,
  q: { hostId?: string; groupId?: string; from: number; to: number },
): Promise<AccessHistoryEntry[]> {
  if (Boolean(q.hostId) === Boolean(q.groupId))
    throw invalidInput('give hostId or groupId (one of them)', {
      details: { field: 'hostId', value: q.hostId ?? null, expected: 'hostId or groupId' },
    });
  if (q.to < q.from)
    throw invalidInput('to: the end of the period is before its start', {
      details: { field: 'to', value: q.to, expected: `at least ${q.from}` },
    });
  const byId = new Map<string, AuthorizationRecord>();
  const add = (list: AuthorizationRecord[]) => list.forEach((a) => byId.set(a.id, a));
  if (q.hostId) {
    add(await allAuthorizations(store, { hostId: q.hostId }));
    for (const p of await store.authorizations.listPlacements({ hostId: q.hostId })) {
      if (byId.has(p.authorizationId)) continue;
      const a = await store.authorizations.get(p.authorizationId);
      if (a) byId.set(a.id, a);
    }
  } else if (q.groupId) {
    add(await allAuthorizations(store, { groupId: q.groupId }));
    for (const hostId of await targetHostIds(store, { groupId: q.groupId }))
      add(await allAuthorizations(store, { hostId }));
  }
  const out: AccessHistoryEntry[] = [];
  for (const a of byId.values()) {
    const until = endOf(a);
    if (a.createdAt > q.to || (until !== null && until < q.from)) continue;
    const reviews: ReviewDecisionEntry[] = [];
    let after: string | undefined;
    do {
      const page = await store.accessReviews.listItems(
        { authorizationId: a.id },
        { limit: 200, ...(after ? { after } : {}) },
      );
      for (const i of page.items)
        reviews.push({
          roundId: i.roundId,
          campaignId: i.campaignId,
          decision: i.decision,
          decidedBy: i.decidedBy,
          decidedAt: i.decidedAt,
          note: i.note,
        });
      after = page.nextCursor ?? undefined;
    } while (after);
    out.push({
      authorizationId: a.id,
      fingerprint: a.fingerprint,
      account: a.account,
      target: a.target,
      state: a.state,
      from: a.createdAt,
      until,
      grantedBy: a.createdBy,
      endedBy: a.removedBy,
      reviews,
    });
  }
  return out.sort((x, y) => x.from - y.from || (x.authorizationId < y.authorizationId ? -1 : 1));
}
