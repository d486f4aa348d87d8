/**
 * The key blacklist and hosts' last configuration scans in MongoDB. A blacklist entry's
 * `_id` is the fingerprint: the first insert wins on every server, a second is told so.
 */
import type { BlacklistRecord, HostConfigRecord } from '../inventory-records';
import type { BlacklistRepository, HostConfigRepository } from '../inventory-store';
import { isDuplicateKey, upsertRetried } from './collections';
import type { InventoryCollections } from './inventory-collections';

export function mongoBlacklist(c: InventoryCollections): BlacklistRepository {
  const get = async (fingerprint: string): Promise<BlacklistRecord | null> => {
    const doc = await c.blacklist.findOne({ _id: fingerprint });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { fingerprint: _id, ...rest };
  };
  return {
    add: async (e, now) => {
      try {
        await c.blacklist.insertOne({
          _id: e.fingerprint,
          reason: e.reason,
          createdBy: e.createdBy,
          createdAt: now,
        });
        return { entry: { ...e, createdAt: now }, created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        return { entry: (await get(e.fingerprint)) as BlacklistRecord, created: false };
      }
    },
    get,
    list: async () =>
      (await c.blacklist.find({}).sort({ createdAt: 1, _id: 1 }).toArray()).map(
        ({ _id, ...rest }) => ({ fingerprint: _id, ...rest }),
      ),
  };
}

export function mongoHostConfigs(c: InventoryCollections): HostConfigRepository {
  return {
    put: async (rec) => {
      await upsertRetried(() =>
        c.hostConfigs.replaceOne(
          { _id: rec.hostId },
          { scannedAt: rec.scannedAt, data: JSON.stringify(rec) },
          { upsert: true },
        ),
      );
    },
    get: async (hostId) => {
      const doc = await c.hostConfigs.findOne({ _id: hostId });
      return doc ? (JSON.parse(doc.data) as HostConfigRecord) : null;
    },
  };
}
