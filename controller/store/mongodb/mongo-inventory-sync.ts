/**
 * A scan's complete answer for one host and kind. No transaction: the present items are
 * upserted first, then those no longer found are marked removed by id. A crash between the
 * two leaves vanished items marked present until the next scan, never a present one removed.
 * One host is scanned by one job at a time, so there is no racing writer to decide against.
 */
import type { AnyBulkWriteOperation } from 'mongodb';
import { inventoryItemId, type InventoryKind, type NewInventoryItem } from '../inventory-records';
import type { SyncResult } from '../inventory-store';
import {
  presentUpdate,
  type InventoryCollections,
  type InventoryDoc,
} from './inventory-collections';

export async function mongoSyncInventory<K extends InventoryKind>(
  c: InventoryCollections,
  kind: K,
  hostId: string,
  items: NewInventoryItem<K>[],
  now: number,
  scope: { accounts?: string[] } = {},
): Promise<SyncResult> {
  const present = await c.items
    .find(
      {
        kind,
        hostId,
        removedAt: null,
        ...(scope.accounts ? { account: { $in: scope.accounts } } : {}),
      },
      { projection: { _id: 1 } },
    )
    .toArray();
  const before = new Set(present.map((d) => d._id));
  let added = 0;
  let kept = 0;
  const ops: AnyBulkWriteOperation<InventoryDoc>[] = items.map((item) => {
    const id = inventoryItemId(hostId, kind, item.key);
    if (before.delete(id)) kept++;
    else added++;
    return {
      updateOne: {
        filter: { _id: id },
        update: presentUpdate({ ...item, kind, hostId }, now),
        upsert: true,
      },
    };
  });
  if (ops.length) await c.items.bulkWrite(ops, { ordered: false });
  if (before.size) {
    await c.items.updateMany(
      { _id: { $in: [...before] }, removedAt: null },
      { $set: { removedAt: now } },
    );
  }
  return { added, kept, removed: before.size };
}
