/** The MongoDB collections of hosts and what is derived from them (see host-store.ts). */
import type { Db } from 'mongodb';
import type {
  ExpiringRecord,
  HostGroupRecord,
  HostRecord,
  ReportingRecord,
  ScanIntervals,
  ScanScheduleEntry,
} from '../host-records';

export type HostDoc = Omit<HostRecord, 'id'> & {
  _id: string;
  /** Bumped by every change that can change the host's scans; guards clearing the mark. */
  scheduleVersion: number;
  scheduleDirty: boolean;
};
export type HostGroupDoc = Omit<HostGroupRecord, 'id'> & { _id: string };
/** `_id` is `${hostId}|${scanType}`. */
export type ScanScheduleDoc = ScanScheduleEntry & { _id: string };
export type ReportingDoc = Omit<ReportingRecord, 'id' | 'data'> & { _id: string; data: string };
export type ExpiringDoc = Omit<ExpiringRecord, 'id' | 'action'> & { _id: string; action: string };

export function hostCollections(db: Db) {
  return {
    hosts: db.collection<HostDoc>('hosts'),
    hostGroups: db.collection<HostGroupDoc>('host_groups'),
    scanDefaults: db.collection<{ _id: string; intervals: ScanIntervals; updatedAt: number }>(
      'scan_defaults',
    ),
    scanSchedule: db.collection<ScanScheduleDoc>('scan_schedule'),
    reportingData: db.collection<ReportingDoc>('reporting_data'),
    expiringRecords: db.collection<ExpiringDoc>('expiring_records'),
  };
}
export type HostCollections = ReturnType<typeof hostCollections>;

export const scheduleId = (hostId: string, scanType: string): string => `${hostId}|${scanType}`;

/** Marks hosts whose effective scan intervals may have changed. */
export const MARK_DIRTY = { $set: { scheduleDirty: true }, $inc: { scheduleVersion: 1 } } as const;
