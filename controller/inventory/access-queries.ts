/**
 * The questions an operator asks of the inventory: with this key, who can log in where;
 * on this host, which keys let whom in; and when each was last used, from where.
 */
import type { InventoryItem, KeyUsageRecord } from '../store/inventory-records';
import type { Store } from '../store/store';

export interface Access {
  hostId: string;
  account: string;
  fingerprint: string;
  file: string;
  line: number;
  options: InventoryItem<'authorized-key'>['data']['options'];
  managed: boolean;
  firstSeenAt: number;
  lastUsed: { at: number; from: string } | null;
}

function lastUse(uses: KeyUsageRecord[], item: InventoryItem<'authorized-key'>) {
  let best: KeyUsageRecord | undefined;
  for (const u of uses) {
    if (
      u.hostId !== item.hostId ||
      u.account !== item.account ||
      u.fingerprint !== item.fingerprint
    )
      continue;
    if (!best || u.lastUsedAt > best.lastUsedAt) best = u;
  }
  return best ? { at: best.lastUsedAt, from: best.from } : null;
}

const toAccess =
  (uses: KeyUsageRecord[]) =>
  (i: InventoryItem<'authorized-key'>): Access => ({
    hostId: i.hostId,
    account: i.account ?? '',
    fingerprint: i.fingerprint ?? '',
    file: i.data.file,
    line: i.data.line,
    options: i.data.options,
    managed: i.data.managed,
    firstSeenAt: i.firstSeenAt,
    lastUsed: lastUse(uses, i),
  });

/** Every host and account this key opens now. */
export async function whoCanLogInWith(
  store: Pick<Store, 'inventory'>,
  fingerprint: string,
): Promise<Access[]> {
  const items = await store.inventory.items.list('authorized-key', { fingerprint });
  const uses = await store.inventory.keyUsage.list({ fingerprint });
  return items.map(toAccess(uses));
}

/** Every key that opens an account on this host now. */
export async function keysOnHost(
  store: Pick<Store, 'inventory'>,
  hostId: string,
): Promise<Access[]> {
  const items = await store.inventory.items.list('authorized-key', { hostId });
  const uses = await store.inventory.keyUsage.list({ hostId });
  return items.map(toAccess(uses));
}
