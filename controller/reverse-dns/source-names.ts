/**
 * Key usage as the API shows it: each row's source address with the name reverse DNS
 * gave it (`fromName`, null while unknown or when there is none), read from the cache that
 * reverse-ip-mapper fills. Never a lookup on the request path.
 */
import type { KeyUsageRecord } from '../store/inventory-records';
import type { Page, Store } from '../store/store';

export async function withSourceNames(
  store: Pick<Store, 'reverseDns'>,
  page: Page<KeyUsageRecord>,
): Promise<Page<KeyUsageRecord & { fromName: string | null }>> {
  const cached = await store.reverseDns.get([...new Set(page.items.map((u) => u.from))]);
  const names = new Map(cached.map((r) => [r.address, r.name]));
  return {
    items: page.items.map((u) => ({ ...u, fromName: names.get(u.from) ?? null })),
    nextCursor: page.nextCursor,
  };
}
