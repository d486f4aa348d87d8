/** Hosts in MongoDB. Changes that affect scan intervals mark the host schedule-dirty. */
import type { Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import { newId } from '../ids';
import { NO_OVERRIDES, type HostPatch, type HostRecord, type NewHost } from '../host-records';
import type { HostRepository } from '../host-store';
import { isDuplicateKey } from './collections';
import type { HostCollections, HostDoc } from './host-collections';

const toHost = ({ _id, scheduleVersion: _v, scheduleDirty: _d, ...h }: HostDoc): HostRecord => ({
  id: _id,
  ...h,
  scanIntervalsMs: { ...NO_OVERRIDES, ...h.scanIntervalsMs },
});

const toDoc = (h: NewHost, now: number): HostDoc => {
  const { id, ...rest } = h;
  return {
    ...rest,
    _id: id ?? newId(now),
    state: h.state ?? 'discovered',
    groupId: h.groupId ?? null,
    scanIntervalsMs: h.scanIntervalsMs ?? NO_OVERRIDES,
    createdAt: now,
    updatedAt: now,
    scheduleVersion: 1,
    scheduleDirty: true,
  };
};

const SCHEDULE_FIELDS: ReadonlyArray<keyof HostPatch> = ['scanIntervalsMs', 'groupId', 'state'];

export function mongoHostRepository(c: HostCollections): HostRepository {
  const get = async (id: string) => {
    const doc = await c.hosts.findOne({ _id: id });
    return doc ? toHost(doc) : null;
  };
  return {
    create: async (h, now) => {
      const doc = toDoc(h, now);
      try {
        await c.hosts.insertOne(doc);
      } catch (cause) {
        if (isDuplicateKey(cause))
          throw conflict(`a host with id ${doc._id} exists`, { cause, details: { id: doc._id } });
        throw cause;
      }
      return toHost(doc);
    },
    createMany: async (hosts, now) => {
      if (hosts.length) await c.hosts.insertMany(hosts.map((h) => toDoc(h, now)));
    },
    get,
    list: async (f, page) => {
      const q: Filter<HostDoc> = {};
      if (f.state) q.state = { $in: f.state };
      if (f.groupId !== undefined) q.groupId = f.groupId;
      if (f.kind !== undefined) q.kind = f.kind;
      if (f.text !== undefined) {
        // The text as written (regex characters escaped), in any case.
        const $regex = f.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        q.$or = (['name', 'address', '_id', 'os'] as const).map((k) => ({
          [k]: { $regex, $options: 'i' },
        }));
      }
      if (page.after !== undefined) q._id = { $gt: page.after };
      const docs = await c.hosts.find(q, { sort: { _id: 1 }, limit: page.limit + 1 }).toArray();
      const items = docs.slice(0, page.limit).map(toHost);
      const last = items[items.length - 1];
      return { items, nextCursor: docs.length > page.limit && last ? last.id : null };
    },
    update: async (id, patch, now) => {
      const before = await get(id);
      if (!before) return null;
      const set: Record<string, unknown> = { updatedAt: now };
      let dirty = false;
      for (const [key, value] of Object.entries(patch) as Array<[keyof HostPatch, unknown]>) {
        if (value === undefined) continue;
        const stored =
          key === 'scanIntervalsMs' ? { ...before.scanIntervalsMs, ...(value as object) } : value;
        if (SCHEDULE_FIELDS.includes(key) && JSON.stringify(before[key]) !== JSON.stringify(stored))
          dirty = true;
        set[key] = stored;
      }
      await c.hosts.updateOne(
        { _id: id },
        dirty
          ? { $set: { ...set, scheduleDirty: true }, $inc: { scheduleVersion: 1 } }
          : { $set: set },
      );
      return get(id);
    },
    remove: async (id) => {
      await c.scanSchedule.deleteMany({ hostId: id });
      return (await c.hosts.deleteOne({ _id: id })).deletedCount === 1;
    },
    countByStateAndKind: async () => {
      const rows = await c.hosts
        .aggregate<{ _id: { state: HostRecord['state']; kind: string }; count: number }>([
          { $group: { _id: { state: '$state', kind: '$kind' }, count: { $sum: 1 } } },
        ])
        .toArray();
      return rows
        .map((r) => ({ state: r._id.state, kind: r._id.kind, count: r.count }))
        .sort((a, b) => a.state.localeCompare(b.state) || a.kind.localeCompare(b.kind));
    },
    listScheduleDirty: async (limit) =>
      (
        await c.hosts
          .find(
            { scheduleDirty: true },
            { sort: { _id: 1 }, limit, projection: { _id: 1, scheduleVersion: 1 } },
          )
          .toArray()
      ).map((d) => ({ id: d._id, version: d.scheduleVersion })),
    clearScheduleDirty: async (id, version) =>
      (
        await c.hosts.updateOne(
          { _id: id, scheduleVersion: version, scheduleDirty: true },
          { $set: { scheduleDirty: false } },
        )
      ).modifiedCount === 1,
  };
}
