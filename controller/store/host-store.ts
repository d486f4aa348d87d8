/**
 * Repositories for hosts and what is derived from them: groups, the per-host scan
 * schedule, reporting data and expiring records. Both adapters implement them and pass
 * test/integration/store/contract-hosts.ts.
 *
 * The scheduler is "notified" of settings changes through the store itself: every write
 * that can change a host's effective scan intervals (its overrides, group or state; a
 * group's overrides; the global defaults) marks the affected hosts schedule-dirty, and
 * update-job-intervals recomputes exactly the dirty hosts.
 */
import type {
  ExpiringRecord,
  HostGroupRecord,
  HostPatch,
  HostRecord,
  HostState,
  NewHost,
  ReportingRecord,
  ScanIntervals,
  ScanScheduleEntry,
  ScanType,
} from './host-records';
import type { Page } from './store';

export interface HostFilter {
  state?: HostState[];
  groupId?: string;
  kind?: HostRecord['kind'];
  /** Case-insensitive substring of the name, address, id or OS (the console's search). */
  text?: string;
}

export interface HostRepository {
  /** Inserts the host (schedule-dirty); a duplicate id is a CONFLICT. */
  create(host: NewHost, now: number): Promise<HostRecord>;
  /** Inserts many hosts at once (imports, benchmarks). */
  createMany(hosts: NewHost[], now: number): Promise<void>;
  get(id: string): Promise<HostRecord | null>;
  list(filter: HostFilter, page: { limit: number; after?: string }): Promise<Page<HostRecord>>;
  /** Applies the patch; a change of overrides, group or state marks the host schedule-dirty. */
  update(id: string, patch: HostPatch, now: number): Promise<HostRecord | null>;
  /** Deletes the host and its scan schedule. */
  remove(id: string): Promise<boolean>;
  countByStateAndKind(): Promise<Array<{ state: HostState; kind: string; count: number }>>;
  /** Hosts whose effective settings must be recomputed, with the version seen. */
  listScheduleDirty(limit: number): Promise<Array<{ id: string; version: number }>>;
  /** Clears the mark unless the host changed again since `version` was read. */
  clearScheduleDirty(id: string, version: number): Promise<boolean>;
}

export interface HostGroupRepository {
  create(
    group: Omit<HostGroupRecord, 'createdAt' | 'updatedAt'>,
    now: number,
  ): Promise<HostGroupRecord>;
  get(id: string): Promise<HostGroupRecord | null>;
  list(): Promise<HostGroupRecord[]>;
  /** A page of groups by name; `after` = the last name of the page before (names are unique). */
  listPage(page: { limit: number; after?: string }): Promise<Page<HostGroupRecord>>;
  /** A change of overrides marks the group's hosts schedule-dirty. */
  update(
    id: string,
    patch: Partial<
      Pick<HostGroupRecord, 'name' | 'description'> & {
        scanIntervalsMs: HostGroupRecord['scanIntervalsMs'];
      }
    >,
    now: number,
  ): Promise<HostGroupRecord | null>;
  /** Its hosts lose the group (and become schedule-dirty). */
  remove(id: string, now: number): Promise<boolean>;
  /** Global default intervals; null until someone sets them (built-in defaults apply). */
  getScanDefaults(): Promise<ScanIntervals | null>;
  /** Sets the global defaults; every host becomes schedule-dirty. */
  setScanDefaults(defaults: ScanIntervals, now: number): Promise<void>;
}

export interface ScanScheduleRepository {
  /**
   * Makes the host's rows exactly these effective intervals (types left out are removed).
   * A new row is due at `now`; a changed interval counts from the last enqueue.
   */
  setHost(hostId: string, intervals: ScanIntervals, now: number): Promise<void>;
  listForHost(hostId: string): Promise<ScanScheduleEntry[]>;
  /** Rows of these types due at `now`, oldest due first. Served by a (type, due) index. */
  listDue(types: readonly ScanType[], now: number, limit: number): Promise<ScanScheduleEntry[]>;
  /**
   * Records that a scan was queued and moves its due time, each only if nextDueAt still
   * equals what was read (a concurrent scheduler or settings change wins). One flag each.
   */
  markEnqueued(
    items: Array<{
      hostId: string;
      scanType: ScanType;
      expectedNextDueAt: number;
      nextDueAt: number;
      jobId: string | null;
    }>,
    now: number,
  ): Promise<boolean[]>;
  countDueBefore(types: readonly ScanType[], before: number): Promise<number>;
}

export interface ReportingDataRepository {
  add(
    kind: ReportingRecord['kind'],
    data: Record<string, unknown>,
    now: number,
  ): Promise<ReportingRecord>;
  latest(kind: ReportingRecord['kind']): Promise<ReportingRecord | null>;
  /** The newest record of the kind created before `before` (a day's block, the day before). */
  latestBefore(kind: ReportingRecord['kind'], before: number): Promise<ReportingRecord | null>;
  /** Deletes records created before `before`; returns how many. */
  purge(before: number): Promise<number>;
}

export interface ExpiringRecordRepository {
  /** Creates or replaces the record; a changed expiry un-schedules it. */
  upsert(rec: Omit<ExpiringRecord, 'scheduledJobId'>): Promise<void>;
  get(id: string): Promise<ExpiringRecord | null>;
  /** Records expiring at or before `until` that have no job yet, soonest first. */
  listUnscheduled(until: number, limit: number): Promise<ExpiringRecord[]>;
  /** Scheduled records whose expiry is before `before` (for the schedule monitor). */
  listScheduledBefore(before: number, limit: number): Promise<ExpiringRecord[]>;
  markScheduled(id: string, jobId: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
}
