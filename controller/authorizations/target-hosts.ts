/** The registered hosts an authorization reaches now: its host, or every host of its group. */
import type { AuthorizationTarget } from '../store/authorization-records';
import type { Store } from '../store/store';

export async function targetHostIds(
  store: Pick<Store, 'hosts'>,
  target: AuthorizationTarget,
): Promise<string[]> {
  if ('hostId' in target) return [target.hostId];
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.hosts.list(
      { groupId: target.groupId },
      { limit: 500, ...(after ? { after } : {}) },
    );
    ids.push(...page.items.map((h) => h.id));
    after = page.nextCursor ?? undefined;
  } while (after);
  return ids;
}
