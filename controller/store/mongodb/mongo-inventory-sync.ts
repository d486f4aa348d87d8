/**
 * A scan's complete answer for one host and kind. No transaction: the present items are
 * upserted first, then those no longer found are marked removed by id. A crash between the
 * two leaves vanished items marked present until the next scan, never a present one removed.
 * `observedAt` is when the scan read the host: an item an edit recorded after that (an
 * edit job can run beside a scan of the same host) is newer and left as the edit left it;
 * each write is conditional on that.
 */
import type { AnyBulkWriteOperation } from 'mongodb';
import { inventoryItemId, type InventoryKind, type NewInventoryItem } from '../inventory-records';
import type { SyncResult } from '../inventory-store';
import {
  presentUpdate,
  type InventoryCollections,
  type InventoryDoc,
} from './inventory-collections';
import { addToRoster } from './mongo-inventory-roster';

export async function mongoSyncInventory<K extends InventoryKind>(
  c: InventoryCollections,
  kind: K,
  hostId: string,
  items: NewInventoryItem<K>[],
  observedAt: number,
  scope: { accounts?: string[] } = {},
): Promise<SyncResult> {
  const known = await c.items
    .find(
      { kind, hostId, ...(scope.accounts ? { account: { $in: scope.accounts } } : {}) },
      { projection: { _id: 1, lastSeenAt: 1, removedAt: 1 } },
    )
    .toArray();
  const byId = new Map(known.map((d) => [d._id, d]));
  const before = new Set(known.filter((d) => d.removedAt === null).map((d) => d._id));
  /** Not recorded later than the scan saw the host. */
  const notNewer = {
    lastSeenAt: { $lte: observedAt },
    $or: [{ removedAt: null }, { removedAt: { $lte: observedAt } }],
  };
  let added = 0;
  let kept = 0;
  const ops: AnyBulkWriteOperation<InventoryDoc>[] = items.map((item) => {
    const id = inventoryItemId(hostId, kind, item.key);
    if (before.delete(id)) kept++;
    else added++;
    const update = presentUpdate({ ...item, kind, hostId }, observedAt);
    // A new item is inserted; a known one is updated only if the scan is not older.
    return byId.has(id)
      ? { updateOne: { filter: { _id: id, ...notNewer }, update } }
      : { updateOne: { filter: { _id: id }, update, upsert: true } };
  });
  if (ops.length) await c.items.bulkWrite(ops, { ordered: false });
  // Every item of the host and kind is now in `known` or `items`: a whole-host scan makes
  // the roster complete, an account-limited one adds what it wrote.
  const all = new Set(known.map((d) => d._id));
  for (const item of items) all.add(inventoryItemId(hostId, kind, item.key));
  await addToRoster(c, hostId, kind, [...all], scope.accounts === undefined);
  let removed = 0;
  if (before.size) {
    const res = await c.items.updateMany(
      { _id: { $in: [...before] }, removedAt: null, lastSeenAt: { $lt: observedAt } },
      { $set: { removedAt: observedAt } },
    );
    removed = res.modifiedCount;
  }
  return { added, kept, removed };
}
