/**
 * Pending requests past their deadline become `expired` (audited): they can no longer be
 * decided and never apply. A decision arriving after the deadline is refused on its own
 * (decide-approval.ts); this sweep makes the state say so without waiting for one.
 */
import type { ApprovalDeps } from './approval-deps';
import { expireRequest } from './decide-approval';

export async function expireApprovals(
  deps: Pick<ApprovalDeps, 'store'>,
  now: number,
): Promise<{ expired: string[] }> {
  const expired: string[] = [];
  for (;;) {
    const page = await deps.store.approvals.listRequests(
      { state: ['pending'], expiresBefore: now + 1 },
      { limit: 200 },
    );
    for (const r of page.items) if (await expireRequest(deps, r, now)) expired.push(r.id);
    if (!page.nextCursor || page.items.length === 0) return { expired };
  }
}
