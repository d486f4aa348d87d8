/** The registered hosts a revocation list must reach: every managed host (edits need that state). */
import type { Store } from '../store/store';

export async function managedHostIds(store: Pick<Store, 'hosts'>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.hosts.list(
      { state: ['managed'] },
      { limit: 500, ...(after ? { after } : {}) },
    );
    ids.push(...page.items.map((h) => h.id));
    after = page.nextCursor ?? undefined;
  } while (after);
  return ids;
}
