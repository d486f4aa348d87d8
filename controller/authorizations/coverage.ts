/**
 * Which authorized_keys lines of a host an authorization covers, decided by the store's
 * records only: a line is covered when a placement of an active authorization on that host
 * has its account, fingerprint and exactly its options. The `keywarden-managed` marker a
 * line carries counts for nothing here: any user can write it into their own file.
 */
import { sameOptions } from '../../shared/ssh/authorized-keys-edit';
import type { InventoryItem } from '../store/inventory-records';
import type { Store } from '../store/store';

export interface LineCoverage {
  account: string | null;
  file: string;
  line: number;
  fingerprint: string | null;
  options: { name: string; value?: string }[];
  /** What the file says (the marker): shown, never trusted. */
  markerInFile: boolean;
  /** The authorization whose placement this line is; null for a line Keywarden did not place. */
  coveredBy: string | null;
}

export async function coverageOfHost(
  store: Pick<Store, 'inventory' | 'authorizations'>,
  hostId: string,
  filter: { account?: string } = {},
): Promise<LineCoverage[]> {
  const [items, placements] = await Promise.all([
    store.inventory.items.list('authorized-key', { hostId, ...filter }),
    store.authorizations.listPlacements({ hostId, ...filter, state: ['present', 'pending'] }),
  ]);
  const active = new Set<string>();
  for (const id of new Set(placements.map((p) => p.authorizationId))) {
    if ((await store.authorizations.get(id))?.state === 'active') active.add(id);
  }
  return items.map((item: InventoryItem<'authorized-key'>) => {
    const covering = placements.find(
      (p) =>
        active.has(p.authorizationId) &&
        p.account === item.account &&
        p.fingerprint === item.fingerprint &&
        sameOptions(item.data.options, p.options),
    );
    return {
      account: item.account,
      file: item.data.file,
      line: item.data.line,
      fingerprint: item.fingerprint,
      options: item.data.options,
      markerInFile: item.data.managed,
      coveredBy: covering?.authorizationId ?? null,
    };
  });
}
