/**
 * Key usage and key-activity cursors in MongoDB. A use is one upsert per (host, account,
 * key, source) with $max/$min/$inc, so adding the same login twice moves nothing but the
 * count; the cursor (stored after the uses) is what keeps a login from being added twice.
 */
import type { Filter } from 'mongodb';
import type { KeyUsageRecord } from '../inventory-records';
import type { KeyUsageRepository } from '../inventory-store';
import type { InventoryCollections, KeyUsageDoc } from './inventory-collections';

const toUsage = ({ _id: _unused, ...rest }: KeyUsageDoc): KeyUsageRecord => rest;

export function mongoKeyUsage(c: InventoryCollections): KeyUsageRepository {
  return {
    record: async (hostId, uses) => {
      if (uses.length === 0) return;
      await c.keyUsage.bulkWrite(
        uses.map((u) => ({
          updateOne: {
            filter: { _id: `${hostId}|${u.account}|${u.fingerprint}|${u.from}` },
            update: {
              $setOnInsert: {
                hostId,
                account: u.account,
                fingerprint: u.fingerprint,
                from: u.from,
              },
              $min: { firstUsedAt: u.at },
              $max: { lastUsedAt: u.at },
              $inc: { count: 1 },
            },
            upsert: true,
          },
        })),
        { ordered: true },
      );
    },
    list: async (f) => {
      const filter: Filter<KeyUsageDoc> = {};
      if (f.hostId !== undefined) filter.hostId = f.hostId;
      if (f.fingerprint !== undefined) filter.fingerprint = f.fingerprint;
      if (f.account !== undefined) filter.account = f.account;
      const docs = await c.keyUsage.find(filter).sort({ _id: 1 }).toArray();
      return docs.map(toUsage);
    },
    getCursor: async (hostId) => {
      const doc = await c.cursors.findOne({ _id: hostId });
      return doc ? (JSON.parse(doc.cursor) as unknown) : null;
    },
    setCursor: async (hostId, cursor, now) => {
      await c.cursors.replaceOne(
        { _id: hostId },
        { cursor: JSON.stringify(cursor), updatedAt: now },
        { upsert: true },
      );
    },
  };
}
