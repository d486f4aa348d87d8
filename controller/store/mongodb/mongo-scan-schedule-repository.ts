/** The per-host scan schedule in MongoDB, read through a (scanType, nextDueAt) index. */
import type { ScanScheduleEntry } from '../host-records';
import type { ScanScheduleRepository } from '../host-store';
import { scheduleId, type HostCollections, type ScanScheduleDoc } from './host-collections';

const toEntry = ({ _id, ...e }: ScanScheduleDoc): ScanScheduleEntry => e;

export function mongoScanScheduleRepository(c: HostCollections): ScanScheduleRepository {
  const forHost = async (hostId: string) =>
    (await c.scanSchedule.find({ hostId }, { sort: { scanType: 1 } }).toArray()).map(toEntry);
  return {
    setHost: async (hostId, intervals, now) => {
      const existing = new Map((await forHost(hostId)).map((e) => [e.scanType, e]));
      // A type it has a row for and is not given any more is switched off like a 0.
      for (const scanType of new Set([...Object.keys(intervals), ...existing.keys()])) {
        const interval = intervals[scanType] ?? 0;
        const old = existing.get(scanType);
        const _id = scheduleId(hostId, scanType);
        if (interval <= 0) {
          if (old) await c.scanSchedule.deleteOne({ _id });
          continue;
        }
        if (old?.intervalMs === interval) continue;
        // A new scan is due now; a changed interval counts from the last time it was queued.
        const nextDueAt = old
          ? old.lastEnqueuedAt === null
            ? old.nextDueAt
            : old.lastEnqueuedAt + interval
          : now;
        // Plain insert or $set: FerretDB drops the connection on an upsert with $setOnInsert.
        if (old)
          await c.scanSchedule.updateOne({ _id }, { $set: { intervalMs: interval, nextDueAt } });
        else
          await c.scanSchedule.insertOne({
            _id,
            hostId,
            scanType,
            intervalMs: interval,
            nextDueAt,
            lastEnqueuedAt: null,
            lastJobId: null,
          });
      }
    },
    listForHost: forHost,
    listDue: async (types, now, limit) => {
      const perType = await Promise.all(
        types.map((scanType) =>
          c.scanSchedule
            .find({ scanType, nextDueAt: { $lte: now } }, { sort: { nextDueAt: 1 }, limit })
            .toArray(),
        ),
      );
      return perType
        .flat()
        .sort((a, b) => a.nextDueAt - b.nextDueAt)
        .slice(0, limit)
        .map(toEntry);
    },
    // Each move is conditional on the due time read. On servers whose conditional updates
    // are read-then-write (FerretDB) two schedulers could both move one row; the scan job's
    // dedupe key still keeps it to one active scan, and internal-scheduler is a singleton.
    markEnqueued: async (items, now) =>
      Promise.all(
        items.map(
          async (i) =>
            (
              await c.scanSchedule.updateOne(
                { _id: scheduleId(i.hostId, i.scanType), nextDueAt: i.expectedNextDueAt },
                { $set: { nextDueAt: i.nextDueAt, lastEnqueuedAt: now, lastJobId: i.jobId } },
              )
            ).modifiedCount === 1,
        ),
      ),
    countDueBefore: async (types, before) =>
      types.length === 0
        ? 0
        : c.scanSchedule.countDocuments({
            scanType: { $in: [...types] },
            nextDueAt: { $lt: before },
          }),
  };
}
