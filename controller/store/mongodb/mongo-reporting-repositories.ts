/** Reporting data blocks and expiring records in MongoDB. */
import { newId } from '../ids';
import type { ExpiringRecord, ReportingRecord } from '../host-records';
import type { ExpiringRecordRepository, ReportingDataRepository } from '../host-store';
import type { ExpiringDoc, HostCollections, ReportingDoc } from './host-collections';
import { upsertRetried } from './collections';

const toReporting = ({ _id, data, ...r }: ReportingDoc): ReportingRecord => ({
  id: _id,
  ...r,
  data: JSON.parse(data) as Record<string, unknown>,
});
const toExpiring = ({ _id, action, ...r }: ExpiringDoc): ExpiringRecord => ({
  id: _id,
  ...r,
  action: JSON.parse(action) as ExpiringRecord['action'],
});

export function mongoReportingDataRepository(c: HostCollections): ReportingDataRepository {
  return {
    add: async (kind, data, now) => {
      const rec: ReportingRecord = { id: newId(now), kind, createdAt: now, data };
      await c.reportingData.insertOne({
        _id: rec.id,
        kind,
        createdAt: now,
        data: JSON.stringify(data),
      });
      return rec;
    },
    latest: async (kind) => {
      const doc = await c.reportingData.findOne({ kind }, { sort: { _id: -1 } });
      return doc ? toReporting(doc) : null;
    },
    latestBefore: async (kind, before) => {
      const doc = await c.reportingData.findOne(
        { kind, createdAt: { $lt: before } },
        { sort: { _id: -1 } },
      );
      return doc ? toReporting(doc) : null;
    },
    purge: async (before) =>
      (await c.reportingData.deleteMany({ createdAt: { $lt: before } })).deletedCount,
  };
}

export function mongoExpiringRecordRepository(c: HostCollections): ExpiringRecordRepository {
  const get = async (id: string) => {
    const doc = await c.expiringRecords.findOne({ _id: id });
    return doc ? toExpiring(doc) : null;
  };
  return {
    upsert: async (r) => {
      const before = await get(r.id);
      const { id, action, ...rest } = r;
      await upsertRetried(() =>
        c.expiringRecords.updateOne(
          { _id: id },
          {
            $set: {
              ...rest,
              action: JSON.stringify(action),
              scheduledJobId: before?.expiresAt === r.expiresAt ? before.scheduledJobId : null,
            },
          },
          { upsert: true },
        ),
      );
    },
    get,
    listUnscheduled: async (until, limit) =>
      (
        await c.expiringRecords
          .find(
            { scheduledJobId: null, expiresAt: { $lte: until } },
            { sort: { expiresAt: 1 }, limit },
          )
          .toArray()
      ).map(toExpiring),
    listScheduledBefore: async (before, limit) =>
      (
        await c.expiringRecords
          .find(
            { scheduledJobId: { $ne: null }, expiresAt: { $lt: before } },
            { sort: { expiresAt: 1 }, limit },
          )
          .toArray()
      ).map(toExpiring),
    markScheduled: async (id, jobId) =>
      (
        await c.expiringRecords.updateOne(
          { _id: id, scheduledJobId: null },
          { $set: { scheduledJobId: jobId } },
        )
      ).modifiedCount === 1,
    remove: async (id) => (await c.expiringRecords.deleteOne({ _id: id })).deletedCount === 1,
  };
}
