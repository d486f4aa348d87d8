/** Host groups and the global scan defaults in MongoDB. */
import { conflict } from '../../../shared/errors';
import { NO_OVERRIDES, type HostGroupRecord } from '../host-records';
import type { HostGroupRepository } from '../host-store';
import { isDuplicateKey, upsertRetried } from './collections';
import { MARK_DIRTY, type HostCollections, type HostGroupDoc } from './host-collections';

const toGroup = ({ _id, ...g }: HostGroupDoc): HostGroupRecord => ({
  id: _id,
  ...g,
  scanIntervalsMs: { ...NO_OVERRIDES, ...g.scanIntervalsMs },
});

export function mongoHostGroupRepository(c: HostCollections): HostGroupRepository {
  const get = async (id: string) => {
    const doc = await c.hostGroups.findOne({ _id: id });
    return doc ? toGroup(doc) : null;
  };
  return {
    create: async (g, now) => {
      // Group names are unique: the name is checked first, the `_id` insert decides the id.
      if (await c.hostGroups.findOne({ name: g.name }))
        throw conflict(`a host group named ${g.name} exists`, { details: { name: g.name } });
      const { id, ...rest } = g;
      const doc: HostGroupDoc = { _id: id, ...rest, createdAt: now, updatedAt: now };
      try {
        await c.hostGroups.insertOne(doc);
      } catch (cause) {
        if (isDuplicateKey(cause)) throw conflict(`a host group with id ${id} exists`, { cause });
        throw cause;
      }
      return toGroup(doc);
    },
    get,
    list: async () => (await c.hostGroups.find({}, { sort: { name: 1 } }).toArray()).map(toGroup),
    listPage: async (p) => {
      const docs = await c.hostGroups
        .find(p.after === undefined ? {} : { name: { $gt: p.after } }, {
          sort: { name: 1 },
          limit: p.limit + 1,
        })
        .toArray();
      const items = docs.slice(0, p.limit).map(toGroup);
      const last = items[items.length - 1];
      return { items, nextCursor: docs.length > p.limit && last ? last.name : null };
    },
    update: async (id, patch, now) => {
      const before = await get(id);
      if (!before) return null;
      const scanIntervalsMs = { ...before.scanIntervalsMs, ...patch.scanIntervalsMs };
      await c.hostGroups.updateOne(
        { _id: id },
        {
          $set: {
            name: patch.name ?? before.name,
            description: patch.description ?? before.description,
            scanIntervalsMs,
            updatedAt: now,
          },
        },
      );
      if (JSON.stringify(scanIntervalsMs) !== JSON.stringify(before.scanIntervalsMs))
        await c.hosts.updateMany({ groupId: id }, MARK_DIRTY);
      return get(id);
    },
    remove: async (id, now) => {
      await c.hosts.updateMany(
        { groupId: id },
        {
          $set: { groupId: null, updatedAt: now, scheduleDirty: true },
          $inc: { scheduleVersion: 1 },
        },
      );
      return (await c.hostGroups.deleteOne({ _id: id })).deletedCount === 1;
    },
    getScanDefaults: async () =>
      (await c.scanDefaults.findOne({ _id: 'defaults' }))?.intervals ?? null,
    setScanDefaults: async (intervals, now) => {
      await upsertRetried(() =>
        c.scanDefaults.updateOne(
          { _id: 'defaults' },
          { $set: { intervals, updatedAt: now } },
          { upsert: true },
        ),
      );
      await c.hosts.updateMany({}, MARK_DIRTY);
    },
  };
}
