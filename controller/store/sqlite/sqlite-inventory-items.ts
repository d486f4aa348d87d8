/** Inventory items in the embedded store: upsert, mark removed, list. Sync is its own file. */
import type Database from 'better-sqlite3';
import { inventoryItemId, type InventoryKind } from '../inventory-records';
import type { InventoryItemRepository } from '../inventory-store';
import { toItem, UPSERT_ITEM, upsertArgs, type InventoryRow } from './sqlite-inventory-rows';
import { sqliteSyncInventory } from './sqlite-inventory-sync';
import { sqliteFingerprintPage, sqliteItemPage, sqliteSummarize } from './sqlite-inventory-pages';
import { placeholders, stmt } from './statements';

export function sqliteInventoryItems(db: Database.Database): InventoryItemRepository {
  return {
    sync: async (kind, hostId, items, now, scope) =>
      sqliteSyncInventory(db, kind, hostId, items, now, scope),
    upsert: async (item, now) => {
      stmt(db, UPSERT_ITEM).run(...upsertArgs(item, now));
    },
    markRemoved: async (kind, hostId, keys, now) => {
      if (keys.length === 0) return 0;
      const ids = keys.map((k) => inventoryItemId(hostId, kind, k));
      return db
        .prepare(
          `UPDATE inventory_items SET removed_at = ? WHERE removed_at IS NULL AND id IN (${placeholders(ids.length)})`,
        )
        .run(now, ...ids).changes;
    },
    list: async <K extends InventoryKind>(
      kind: K,
      f: Parameters<InventoryItemRepository['list']>[1],
    ) => {
      const where = ['kind = ?'];
      const args: unknown[] = [kind];
      if (f.hostId !== undefined) {
        where.push('host_id = ?');
        args.push(f.hostId);
      }
      if (f.account !== undefined) {
        where.push('account = ?');
        args.push(f.account);
      }
      if (f.fingerprint !== undefined) {
        where.push('fingerprint = ?');
        args.push(f.fingerprint);
      }
      if (!f.includeRemoved) where.push('removed_at IS NULL');
      const rows = stmt(
        db,
        `SELECT * FROM inventory_items WHERE ${where.join(' AND ')} ORDER BY host_id, item_key`,
      ).all(...args) as InventoryRow[];
      return rows.map((r) => toItem<K>(r));
    },
    listPage: async (kind, f, p) => sqliteItemPage(db, kind, f, p),
    listFingerprints: async (f, p) => sqliteFingerprintPage(db, f, p),
    summarize: async (kind, fps) => sqliteSummarize(db, kind, fps),
  };
}
