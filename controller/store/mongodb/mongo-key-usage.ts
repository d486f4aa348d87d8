/**
 * Key usage and key-activity cursors in MongoDB. A use is one upsert per (host, account,
 * key, source) with $max/$min/$inc, so adding the same login twice moves nothing but the
 * count; the cursor (stored after the uses) is what keeps a login from being added twice.
 */
import type { Filter } from 'mongodb';
import type { KeyUsageRecord } from '../inventory-records';
import type { KeyUsageRepository } from '../inventory-store';
import type { InventoryCollections, KeyUsageDoc } from './inventory-collections';
import { decodeUsageCursor, encodeUsageCursor } from '../usage-cursor';
import { upsertRetried } from './collections';

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
    listPage: async (f, p) => {
      const filter: Filter<KeyUsageDoc> = {};
      if (f.hostId !== undefined) filter.hostId = f.hostId;
      if (f.fingerprint !== undefined) filter.fingerprint = f.fingerprint;
      if (f.account !== undefined) filter.account = f.account;
      if (p.after !== undefined) {
        // (hostId, account, fingerprint, from) > the cursor's tuple, field by field.
        const [h, a, k, s] = decodeUsageCursor(p.after);
        filter.$or = [
          { hostId: { $gt: h } },
          { hostId: h, account: { $gt: a } },
          { hostId: h, account: a, fingerprint: { $gt: k } },
          { hostId: h, account: a, fingerprint: k, from: { $gt: s } },
        ];
      }
      const docs = await c.keyUsage
        .find(filter, {
          sort: { hostId: 1, account: 1, fingerprint: 1, from: 1 },
          limit: p.limit + 1,
        })
        .toArray();
      const items = docs.slice(0, p.limit).map(toUsage);
      const last = items[items.length - 1];
      return { items, nextCursor: docs.length > p.limit && last ? encodeUsageCursor(last) : null };
    },
    getCursor: async (hostId) => {
      const doc = await c.cursors.findOne({ _id: hostId });
      return doc ? (JSON.parse(doc.cursor) as unknown) : null;
    },
    setCursor: async (hostId, cursor, now) => {
      await upsertRetried(() =>
        c.cursors.replaceOne(
          { _id: hostId },
          { cursor: JSON.stringify(cursor), updatedAt: now },
          { upsert: true },
        ),
      );
    },
    purge: async (before) =>
      (await c.keyUsage.deleteMany({ lastUsedAt: { $lt: before } })).deletedCount,
  };
}
