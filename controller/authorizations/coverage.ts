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
  const items = await store.inventory.items.list('authorized-key', { hostId, ...filter });
  const covered = await coveringAuthorizations(store, hostId, items, new Map(), filter);
  return items.map((item) => ({
    account: item.account,
    file: item.data.file,
    line: item.data.line,
    fingerprint: item.fingerprint,
    options: item.data.options,
    markerInFile: item.data.managed,
    coveredBy: covered.get(item.key) ?? null,
  }));
}

/**
 * For each of these items of one host (by item key): the authorization whose placement it
 * is, or null. `activeCache` (authorization id -> active) may be shared across hosts by a
 * caller walking the fleet, so each authorization is read once.
 */
export async function coveringAuthorizations(
  store: Pick<Store, 'authorizations'>,
  hostId: string,
  items: InventoryItem<'authorized-key'>[],
  activeCache: Map<string, boolean>,
  filter: { account?: string } = {},
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (items.length === 0) return out;
  const placements = await store.authorizations.listPlacements({
    hostId,
    ...filter,
    state: ['present', 'pending'],
  });
  for (const id of new Set(placements.map((p) => p.authorizationId))) {
    if (!activeCache.has(id))
      activeCache.set(id, (await store.authorizations.get(id))?.state === 'active');
  }
  for (const item of items) {
    const covering = placements.find(
      (p) =>
        activeCache.get(p.authorizationId) === true &&
        p.account === item.account &&
        p.fingerprint === item.fingerprint &&
        sameOptions(item.data.options, p.options),
    );
    out.set(item.key, covering?.authorizationId ?? null);
  }
  return out;
}
