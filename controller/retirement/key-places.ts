/**
 * Where a key is authorized (from the inventory), and whether it has been unused long
 * enough to be quarantined (from key activity, read from the hosts' auth logs, which also
 * sees logins that never went through a Keywarden gateway).
 */
import { conflict, notFound } from '../../shared/errors';
import type { InventoryItem } from '../store/inventory-records';
import type { Store } from '../store/store';
import { DAY_MS, isQuarantineLine } from './quarantine-options';

export interface KeyScope {
  fingerprint: string;
  hostId?: string;
  account?: string;
}

type Source = Pick<Store, 'inventory'>;

/** The authorized_keys lines of the key in scope, as the last scans found them. */
export async function placesOf(
  store: Source,
  scope: KeyScope,
): Promise<InventoryItem<'authorized-key'>[]> {
  const items = await store.inventory.items.list('authorized-key', {
    fingerprint: scope.fingerprint,
    ...(scope.hostId !== undefined ? { hostId: scope.hostId } : {}),
    ...(scope.account !== undefined ? { account: scope.account } : {}),
  });
  if (items.length === 0)
    throw notFound(`key ${scope.fingerprint} is not authorized anywhere in scope`, {
      details: { field: 'fingerprint', value: scope.fingerprint, ...scopeDetails(scope) },
    });
  return items;
}

const scopeDetails = (s: KeyScope) => ({
  ...(s.hostId !== undefined ? { hostId: s.hostId } : {}),
  ...(s.account !== undefined ? { account: s.account } : {}),
});

/**
 * Refuses (CONFLICT) a key used in the last `days` days in scope, and a key Keywarden has
 * known for less than that: no record of a use is no proof of disuse before the first scan.
 */
export async function refuseRecentlyUsed(
  store: Source,
  scope: KeyScope,
  places: InventoryItem<'authorized-key'>[],
  days: number,
  now: number,
): Promise<void> {
  const since = now - days * DAY_MS;
  const uses = await store.inventory.keyUsage.list({
    fingerprint: scope.fingerprint,
    ...scopeDetails(scope),
  });
  const last = uses.reduce<(typeof uses)[number] | undefined>(
    (a, u) => (a === undefined || u.lastUsedAt > a.lastUsedAt ? u : a),
    undefined,
  );
  if (last && last.lastUsedAt >= since)
    throw conflict(
      `key ${scope.fingerprint} was used ${new Date(last.lastUsedAt).toISOString()} (as ${last.account} on ${last.hostId} from ${last.from}), within the last ${days} days: it is not unused`,
      {
        details: {
          field: 'fingerprint',
          value: scope.fingerprint,
          lastUsedAt: last.lastUsedAt,
          hostId: last.hostId,
          account: last.account,
          unusedDays: days,
        },
      },
    );
  const firstSeen = Math.min(...places.map((p) => p.firstSeenAt));
  if (firstSeen > since)
    throw conflict(
      `key ${scope.fingerprint} was first seen ${new Date(firstSeen).toISOString()}: Keywarden cannot tell it was unused for ${days} days`,
      { details: { field: 'unusedDays', value: days, firstSeenAt: firstSeen } },
    );
}

/** The places to quarantine: lines already quarantined are not originals. */
export const quarantinable = (places: InventoryItem<'authorized-key'>[]) =>
  places.filter((p) => !isQuarantineLine(p.data.options));
