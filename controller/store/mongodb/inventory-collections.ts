/** The MongoDB collections of the inventory (see inventory-store.ts). */
import type { Db } from 'mongodb';
import type {
  InventoryItem,
  InventoryKind,
  KeyUsageRecord,
  NewInventoryItem,
} from '../inventory-records';

/** `data` is JSON text, as in the SQLite store, so any value round-trips on every server. */
export type InventoryDoc = Omit<InventoryItem, 'id' | 'data'> & { _id: string; data: string };
/** `_id` is `${hostId}|${account}|${fingerprint}|${from}`. */
export type KeyUsageDoc = KeyUsageRecord & { _id: string };

export function inventoryCollections(db: Db) {
  return {
    items: db.collection<InventoryDoc>('inventory_items'),
    keyUsage: db.collection<KeyUsageDoc>('key_usage'),
    cursors: db.collection<{ _id: string; cursor: string; updatedAt: number }>(
      'key_activity_cursors',
    ),
    blacklist: db.collection<{
      _id: string;
      reason: string;
      createdBy: string;
      createdAt: number;
    }>('key_blacklist'),
    hostConfigs: db.collection<{ _id: string; scannedAt: number; data: string }>('host_configs'),
    /** Per (host, kind): the ids of all its items (mongo-inventory-roster.ts). */
    rosters: db.collection<{ _id: string; ids: string[]; complete?: boolean }>('inventory_rosters'),
  };
}
export type InventoryCollections = ReturnType<typeof inventoryCollections>;

export const toItem = <K extends InventoryKind>({ _id, data, ...rest }: InventoryDoc) =>
  ({ id: _id, ...rest, data: JSON.parse(data) }) as InventoryItem<K>;

/** The update that makes an item present from `now` (first seen kept when it exists). */
export function presentUpdate(item: NewInventoryItem, now: number) {
  return {
    $set: {
      kind: item.kind,
      hostId: item.hostId,
      key: item.key,
      account: item.account,
      fingerprint: item.fingerprint,
      data: JSON.stringify(item.data),
      lastSeenAt: now,
      removedAt: null,
    },
    $setOnInsert: { firstSeenAt: now },
  };
}
