/**
 * A scan's complete answer for one host and kind, in one transaction: the items found are
 * present, the present ones not found (within the scanned accounts) are marked removed.
 * `observedAt` is when the scan read the host: what an edit recorded after that is newer
 * than the scan and stays as the edit left it.
 */
import type Database from 'better-sqlite3';
import { inventoryItemId, type InventoryKind, type NewInventoryItem } from '../inventory-records';
import type { SyncResult } from '../inventory-store';
import { UPSERT_OBSERVED_ITEM, upsertArgs } from './sqlite-inventory-rows';
import { stmt } from './statements';

export function sqliteSyncInventory<K extends InventoryKind>(
  db: Database.Database,
  kind: K,
  hostId: string,
  items: NewInventoryItem<K>[],
  observedAt: number,
  scope: { accounts?: string[] } = {},
): SyncResult {
  return db
    .transaction((): SyncResult => {
      const present = stmt(
        db,
        'SELECT id, account FROM inventory_items WHERE kind = ? AND host_id = ? AND removed_at IS NULL',
      ).all(kind, hostId) as Array<{ id: string; account: string | null }>;
      const inScope = scope.accounts ? new Set(scope.accounts) : undefined;
      const before = new Set(
        present.filter((r) => !inScope || inScope.has(r.account ?? '')).map((r) => r.id),
      );
      const upsert = stmt(db, UPSERT_OBSERVED_ITEM);
      const markRemoved = stmt(
        db,
        `UPDATE inventory_items SET removed_at = @at
        WHERE id = @id AND removed_at IS NULL AND last_seen_at < @at`,
      );
      let added = 0;
      let kept = 0;
      for (const item of items) {
        const id = inventoryItemId(hostId, kind, item.key);
        if (before.delete(id)) kept++;
        else added++;
        upsert.run(...upsertArgs({ ...item, kind, hostId }, observedAt));
      }
      let removed = 0;
      for (const id of before) removed += markRemoved.run({ at: observedAt, id }).changes;
      return { added, kept, removed };
    })
    .immediate();
}
