/**
 * "Who could log in to host H as Y on date D", read from the inventory itself (not from a
 * graph snapshot, so it is as fresh as the last scan): the authorized-key lines first seen
 * at or before D and not removed by then. A line is known from the scan that first saw it,
 * so "first seen" is an upper bound of when it was written, and "removed" is the first
 * scan (or edit) that no longer found it.
 */
import type { InventoryItem } from '../../store/inventory-records';
import type { Store } from '../../store/store';

export interface PastLogin {
  hostId: string;
  account: string;
  fingerprint: string;
  file: string;
  line: number;
  options: { name: string; value?: string }[];
  managed: boolean;
  firstSeenAt: number;
  lastSeenAt: number;
  removedAt: number | null;
}

export const presentAt = (i: Pick<InventoryItem, 'firstSeenAt' | 'removedAt'>, at: number) =>
  i.firstSeenAt <= at && (i.removedAt === null || i.removedAt > at);

export async function whoCouldLogIn(
  store: Pick<Store, 'inventory'>,
  q: { hostId: string; account?: string; at: number },
): Promise<PastLogin[]> {
  const items = await store.inventory.items.list('authorized-key', {
    hostId: q.hostId,
    ...(q.account !== undefined ? { account: q.account } : {}),
    includeRemoved: true,
  });
  return items
    .filter((i) => i.fingerprint !== null && presentAt(i, q.at))
    .map((i) => ({
      hostId: i.hostId,
      account: i.account ?? '',
      fingerprint: i.fingerprint ?? '',
      file: i.data.file,
      line: i.data.line,
      options: i.data.options,
      managed: i.data.managed,
      firstSeenAt: i.firstSeenAt,
      lastSeenAt: i.lastSeenAt,
      removedAt: i.removedAt,
    }));
}
