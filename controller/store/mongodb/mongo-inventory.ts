import type { Db } from 'mongodb';
import type { InventoryStore } from '../inventory-store';
import { inventoryCollections } from './inventory-collections';
import { mongoBlacklist, mongoHostConfigs } from './mongo-blacklist-and-configs';
import { mongoInventoryItems } from './mongo-inventory-items';
import { mongoKeyUsage } from './mongo-key-usage';
import { guarded } from './translate-errors';

/** The inventory repositories of the MongoDB store; driver errors are translated once here. */
export function mongoInventory(db: Db): InventoryStore {
  const c = inventoryCollections(db);
  return {
    items: guarded('inventory.items', mongoInventoryItems(c)),
    keyUsage: guarded('inventory.keyUsage', mongoKeyUsage(c)),
    blacklist: guarded('inventory.blacklist', mongoBlacklist(c)),
    hostConfigs: guarded('inventory.hostConfigs', mongoHostConfigs(c)),
  };
}
