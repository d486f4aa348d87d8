/** Rows of inventory_items and the upsert both the edit path and scan sync use. */
import {
  inventoryItemId,
  type InventoryItem,
  type InventoryKind,
  type NewInventoryItem,
} from '../inventory-records';

export interface InventoryRow {
  id: string;
  kind: string;
  host_id: string;
  item_key: string;
  account: string | null;
  fingerprint: string | null;
  data: string;
  first_seen_at: number;
  last_seen_at: number;
  removed_at: number | null;
}

export const toItem = <K extends InventoryKind>(r: InventoryRow): InventoryItem<K> => ({
  id: r.id,
  kind: r.kind as K,
  hostId: r.host_id,
  key: r.item_key,
  account: r.account,
  fingerprint: r.fingerprint,
  data: JSON.parse(r.data) as InventoryItem<K>['data'],
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
  removedAt: r.removed_at,
});

/** Present from now: a new item is first seen now; a removed one comes back. */
export const UPSERT_ITEM = `INSERT INTO inventory_items (id, kind, host_id, item_key, account,
  fingerprint, data, first_seen_at, last_seen_at, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
  ON CONFLICT(id) DO UPDATE SET account = excluded.account, fingerprint = excluded.fingerprint,
  data = excluded.data, last_seen_at = excluded.last_seen_at, removed_at = NULL`;

/**
 * UPSERT_ITEM for a scan observed at last_seen_at: an item recorded later than that (an
 * edit added, changed or removed it after the scan read the host) is left as recorded.
 */
export const UPSERT_OBSERVED_ITEM = `${UPSERT_ITEM}
  WHERE inventory_items.last_seen_at <= excluded.last_seen_at
  AND coalesce(inventory_items.removed_at, 0) <= excluded.last_seen_at`;

export const upsertArgs = (item: NewInventoryItem, now: number): unknown[] => [
  inventoryItemId(item.hostId, item.kind, item.key),
  item.kind,
  item.hostId,
  item.key,
  item.account,
  item.fingerprint,
  JSON.stringify(item.data),
  now,
  now,
];
