import type Database from 'better-sqlite3';
import type { InventoryStore } from '../inventory-store';
import { sqliteBlacklist, sqliteHostConfigs } from './sqlite-blacklist-and-configs';
import { sqliteInventoryItems } from './sqlite-inventory-items';
import { sqliteKeyUsage } from './sqlite-key-usage';

/** The inventory repositories of the embedded store. */
export function sqliteInventory(db: Database.Database): InventoryStore {
  return {
    items: sqliteInventoryItems(db),
    keyUsage: sqliteKeyUsage(db),
    blacklist: sqliteBlacklist(db),
    hostConfigs: sqliteHostConfigs(db),
  };
}
