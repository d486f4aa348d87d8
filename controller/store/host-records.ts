/**
 * Hosts, host groups and what the scheduler keeps about them. A host's scan intervals
 * are overrides: null inherits from its group, the group's null inherits the global
 * default, and 0 switches that scan off. Times are ms since the epoch.
 */

/**
 * A periodic scan a host can have: the name of the job type that does it. The store keeps
 * whatever names it is given; which job types are scans their definitions say (`hostScan`).
 */
export type ScanType = string;

/** Interval per scan type in ms; null or absent = inherit, 0 = off. */
export type ScanIntervalOverrides = Record<ScanType, number | null>;
/** Resolved intervals in ms; absent or 0 = off. */
export type ScanIntervals = Record<ScanType, number>;

/** A host or group that overrides no interval. */
export const NO_OVERRIDES: ScanIntervalOverrides = Object.freeze({});

export type HostKind = 'agent' | 'agentless';
export const HOST_STATES = [
  'discovered',
  'monitored',
  'managed',
  'unreachable',
  'host-key-mismatch',
] as const;
export type HostState = (typeof HOST_STATES)[number];
/** States whose hosts get periodic scans: discovered hosts are not taken on yet, a host whose key changed is not trusted. */
export const SCANNED_STATES: readonly HostState[] = ['monitored', 'managed', 'unreachable'];

export interface HostRecord {
  id: string;
  name: string;
  address: string;
  port: number;
  kind: HostKind;
  state: HostState;
  groupId: string | null;
  /** SHA256:... of the pinned host key. */
  hostKeyFingerprint: string | null;
  /** The account agentless management logs in as. */
  managementAccount: string | null;
  agentId: string | null;
  os: string | null;
  sshProduct: string | null;
  lastSeenAt: number | null;
  scanIntervalsMs: ScanIntervalOverrides;
  createdAt: number;
  updatedAt: number;
}

export type NewHost = Omit<
  HostRecord,
  'id' | 'createdAt' | 'updatedAt' | 'scanIntervalsMs' | 'groupId' | 'state'
> &
  Partial<Pick<HostRecord, 'id' | 'scanIntervalsMs' | 'groupId' | 'state'>>;

/** Overrides given in a patch are merged into the stored ones. */
export type HostPatch = Partial<
  Omit<HostRecord, 'id' | 'createdAt' | 'updatedAt' | 'scanIntervalsMs'> & {
    scanIntervalsMs: ScanIntervalOverrides;
  }
>;

export interface HostGroupRecord {
  id: string;
  name: string;
  description: string;
  scanIntervalsMs: ScanIntervalOverrides;
  createdAt: number;
  updatedAt: number;
}

/** One periodic scan of one host: when it is next due, and with which effective interval. */
export interface ScanScheduleEntry {
  hostId: string;
  scanType: ScanType;
  intervalMs: number;
  nextDueAt: number;
  lastEnqueuedAt: number | null;
  lastJobId: string | null;
}

/** A block of reporting data: statistics or the daily report. */
export interface ReportingRecord {
  id: string;
  kind: 'statistics' | 'reporting';
  createdAt: number;
  data: Record<string, unknown>;
}

/**
 * Something that stops being valid at a given moment and needs a job then (an
 * authorization's removal). The authorizations issue writes these; the expiry
 * mechanism only needs the time and the job to run.
 */
export interface ExpiringRecord {
  id: string;
  kind: string;
  subjectId: string;
  hostId: string | null;
  expiresAt: number;
  action: { type: string; params: unknown };
  /** The job queued to run at expiresAt, once it is. */
  scheduledJobId: string | null;
}
