/** Inventory items in MongoDB: upsert, mark removed, list. Sync is its own file. */
import type { Filter } from 'mongodb';
import { inventoryItemId, type InventoryKind } from '../inventory-records';
import type { InventoryItemRepository } from '../inventory-store';
import {
  presentUpdate,
  toItem,
  type InventoryCollections,
  type InventoryDoc,
} from './inventory-collections';
import { upsertRetried } from './collections';
import { mongoSyncInventory } from './mongo-inventory-sync';
import { addToRoster, listFromRoster } from './mongo-inventory-roster';
import { mongoFingerprintPage, mongoItemPage, mongoSummarize } from './mongo-inventory-pages';

export function mongoInventoryItems(c: InventoryCollections): InventoryItemRepository {
  return {
    sync: (kind, hostId, items, now, scope) =>
      mongoSyncInventory(c, kind, hostId, items, now, scope),
    upsert: async (item, now) => {
      const _id = inventoryItemId(item.hostId, item.kind, item.key);
      await upsertRetried(() =>
        c.items.updateOne({ _id }, presentUpdate(item, now), { upsert: true }),
      );
      await addToRoster(c, item.hostId, item.kind, [_id]);
    },
    markRemoved: async (kind, hostId, keys, now) => {
      if (keys.length === 0) return 0;
      const ids = keys.map((k) => inventoryItemId(hostId, kind, k));
      const res = await c.items.updateMany(
        { _id: { $in: ids }, removedAt: null },
        { $set: { removedAt: now } },
      );
      return res.modifiedCount;
    },
    list: async <K extends InventoryKind>(
      kind: K,
      f: Parameters<InventoryItemRepository['list']>[1],
    ) => {
      // One host's items by `_id`, the query every server serves from an index.
      if (f.hostId !== undefined) {
        const docs = await listFromRoster(c, kind, { ...f, hostId: f.hostId });
        if (docs) return docs.map((d) => toItem<K>(d));
      }
      const filter: Filter<InventoryDoc> = { kind };
      if (f.hostId !== undefined) filter.hostId = f.hostId;
      if (f.account !== undefined) filter.account = f.account;
      if (f.fingerprint !== undefined) filter.fingerprint = f.fingerprint;
      if (!f.includeRemoved) filter.removedAt = null;
      const docs = await c.items.find(filter).sort({ hostId: 1, key: 1 }).toArray();
      return docs.map((d) => toItem<K>(d));
    },
    listPage: (kind, f, p) => mongoItemPage(c, kind, f, p),
    listFingerprints: (f, p) => mongoFingerprintPage(c, f, p),
    summarize: (kind, fps) => mongoSummarize(c, kind, fps),
  };
}
