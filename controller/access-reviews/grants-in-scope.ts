/**
 * The grants a review of a host group covers: active grants naming the group, and active
 * grants naming one of the group's hosts now. A grant whose expiry has passed is not
 * reviewed: sshd already refuses it (expiry-time=), and its removal is queued.
 */
import type { AuthorizationFilter, AuthorizationRecord } from '../store/authorization-records';
import type { Store } from '../store/store';
import { targetHostIds } from '../authorizations/target-hosts';

export async function allAuthorizations(
  store: Pick<Store, 'authorizations'>,
  filter: AuthorizationFilter,
): Promise<AuthorizationRecord[]> {
  const out: AuthorizationRecord[] = [];
  let after: string | undefined;
  do {
    const page = await store.authorizations.list(filter, {
      limit: 500,
      ...(after ? { after } : {}),
    });
    out.push(...page.items);
    after = page.nextCursor ?? undefined;
  } while (after);
  return out;
}

export async function grantsInScope(
  store: Pick<Store, 'authorizations' | 'hosts'>,
  groupId: string,
  now: number,
): Promise<AuthorizationRecord[]> {
  const byId = new Map<string, AuthorizationRecord>();
  const add = (list: AuthorizationRecord[]) => {
    for (const a of list) if (a.expiresAt === null || a.expiresAt > now) byId.set(a.id, a);
  };
  add(await allAuthorizations(store, { groupId, state: ['active'] }));
  for (const hostId of await targetHostIds(store, { groupId }))
    add(await allAuthorizations(store, { hostId, state: ['active'] }));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}
