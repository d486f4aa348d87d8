/**
 * The host half of internal-scheduler. Each host's effective scan intervals (global
 * defaults, then its group, then the host) are resolved into one schedule row per host
 * and scan type holding the next due time. A tick reads only the due rows through the
 * (type, due) index, so its cost follows the work that is due, not the fleet size.
 * When settings change, the store marks the affected hosts schedule-dirty and
 * `updateJobIntervals` recomputes exactly those.
 */
import type { HostGroupRecord, HostRecord, ScanIntervals, ScanType } from '../store/host-records';
import { SCAN_TYPES, SCANNED_STATES } from '../store/host-records';
import type { JobRecord } from '../store/records';
import type { Store } from '../store/store';

const HOUR = 3_600_000;

/** Used until an operator stores global defaults. */
export const BUILTIN_SCAN_DEFAULTS: ScanIntervals = {
  'scan-authorized-keys': 24 * HOUR,
  'scan-configs': 24 * HOUR,
  'scan-host-key-activity': HOUR,
  'scan-full': 7 * 24 * HOUR,
};

/** Host override, else group override, else the global default; 0 = off. */
export function effectiveScanIntervals(
  defaults: ScanIntervals,
  group: HostGroupRecord | null,
  host: HostRecord,
): ScanIntervals {
  const out = { ...defaults };
  for (const type of SCAN_TYPES) {
    const scanned = SCANNED_STATES.includes(host.state);
    out[type] = scanned
      ? (host.scanIntervalsMs[type] ?? group?.scanIntervalsMs[type] ?? defaults[type])
      : 0;
  }
  return out;
}

/** Recomputes the schedule of up to `limit` schedule-dirty hosts; `more` when some are left. */
export async function updateJobIntervals(
  store: Pick<Store, 'hosts' | 'hostGroups' | 'scanSchedule'>,
  now: number,
  limit = 1000,
): Promise<{ hosts: number; more: boolean }> {
  const dirty = await store.hosts.listScheduleDirty(limit);
  if (dirty.length === 0) return { hosts: 0, more: false };
  const defaults = (await store.hostGroups.getScanDefaults()) ?? BUILTIN_SCAN_DEFAULTS;
  const groups = new Map<string, HostGroupRecord | null>();
  const groupOf = async (id: string | null) => {
    if (id === null) return null;
    if (!groups.has(id)) groups.set(id, await store.hostGroups.get(id));
    return groups.get(id) ?? null;
  };
  for (const { id, version } of dirty) {
    const host = await store.hosts.get(id);
    if (host) {
      const intervals = effectiveScanIntervals(defaults, await groupOf(host.groupId), host);
      await store.scanSchedule.setHost(id, intervals, now);
    }
    // Refused when the host changed again meanwhile: it stays dirty for the next pass.
    await store.hosts.clearScheduleDirty(id, version);
  }
  return { hosts: dirty.length, more: dirty.length === limit };
}

export interface ScanEnqueuer {
  store: Pick<Store, 'scanSchedule'>;
  /** Registered job type names: a scan type is queued only once its job type exists. */
  jobTypes: readonly string[];
  enqueue(job: {
    type: ScanType;
    params: Record<string, never>;
    hostId: string;
    dedupeKey: string;
    trigger: 'schedule';
  }): Promise<JobRecord>;
}

export function registeredScanTypes(jobTypes: readonly string[]): ScanType[] {
  return SCAN_TYPES.filter((t) => jobTypes.includes(t));
}

/** The dedupe key of a host's scan of this type, wherever it is queued from. */
export const scanDedupeKey = (type: ScanType, hostId: string): string => `${type}:${hostId}`;

/**
 * What a full scan reads besides accounts and private keys: while one is due or queued for
 * a host, a narrower scan of that host would read the same files again.
 */
export const COVERED_BY_FULL_SCAN: readonly ScanType[] = [
  'scan-authorized-keys',
  'scan-configs',
  'scan-host-key-activity',
];

/**
 * Records a full scan queued outside the schedule (discovery's first scan) as the host's
 * scheduled scans: the host's rows are made now if it is new to the schedule, and every row
 * moves to now + its interval, so the next tick queues neither a second scan-full nor the
 * narrower scans it covers. `host` is the record as it will be scanned (its state decides
 * whether it has a schedule at all).
 */
export async function recordFullScanQueued(
  store: Pick<Store, 'hostGroups' | 'scanSchedule'>,
  host: HostRecord,
  jobId: string,
  now: number,
): Promise<void> {
  const defaults = (await store.hostGroups.getScanDefaults()) ?? BUILTIN_SCAN_DEFAULTS;
  const group = host.groupId === null ? null : await store.hostGroups.get(host.groupId);
  await store.scanSchedule.setHost(host.id, effectiveScanIntervals(defaults, group, host), now);
  const rows = await store.scanSchedule.listForHost(host.id);
  await store.scanSchedule.markEnqueued(
    rows.map((r) => ({
      hostId: host.id,
      scanType: r.scanType,
      expectedNextDueAt: r.nextDueAt,
      nextDueAt: Math.max(r.nextDueAt, now + r.intervalMs),
      jobId,
    })),
    now,
  );
}

/**
 * Queues the scans due at `now` (up to `limit`) and moves each row to its next due time.
 * A scan still queued or running for that host is not doubled: its dedupe key returns it.
 * A host whose full scan is due gets only that: its narrower scans (due or not) are folded
 * into it and move on with it.
 */
export async function enqueueDueScans(
  deps: ScanEnqueuer,
  now: number,
  limit = 1000,
): Promise<{ due: number; queued: number; failed: number; more: boolean }> {
  const types = registeredScanTypes(deps.jobTypes);
  if (types.length === 0) return { due: 0, queued: 0, failed: 0, more: false };
  const due = await deps.store.scanSchedule.listDue(types, now, limit);
  if (due.length === 0) return { due: 0, queued: 0, failed: 0, more: false };
  const fullScanDue = new Set(due.filter((e) => e.scanType === 'scan-full').map((e) => e.hostId));
  const toQueue = due.filter(
    (e) => !(fullScanDue.has(e.hostId) && COVERED_BY_FULL_SCAN.includes(e.scanType)),
  );
  const settled = await Promise.allSettled(
    toQueue.map((e) =>
      deps.enqueue({
        type: e.scanType,
        params: {},
        hostId: e.hostId,
        dedupeKey: scanDedupeKey(e.scanType, e.hostId),
        trigger: 'schedule',
      }),
    ),
  );
  const moves = toQueue.map((e, i) => {
    const r = settled[i];
    return {
      hostId: e.hostId,
      scanType: e.scanType,
      expectedNextDueAt: e.nextDueAt,
      nextDueAt: now + e.intervalMs,
      jobId: r?.status === 'fulfilled' ? r.value.id : null,
    };
  });
  // The narrower rows of a host whose full scan was queued, due now or later, count as done.
  // When the full scan could not be queued they stay due, and the next tick queues them.
  const fullScans = moves.filter((m) => m.scanType === 'scan-full' && m.jobId !== null);
  const hostRows = await Promise.all(
    fullScans.map((m) => deps.store.scanSchedule.listForHost(m.hostId)),
  );
  for (const [i, full] of fullScans.entries()) {
    for (const row of hostRows[i] ?? []) {
      if (!COVERED_BY_FULL_SCAN.includes(row.scanType)) continue;
      moves.push({
        hostId: full.hostId,
        scanType: row.scanType,
        expectedNextDueAt: row.nextDueAt,
        nextDueAt: Math.max(row.nextDueAt, now + row.intervalMs),
        jobId: full.jobId,
      });
    }
  }
  // A scan that could not be queued is still moved on: a broken row must not be re-read every tick.
  await deps.store.scanSchedule.markEnqueued(moves, now);
  const failed = settled.filter((r) => r.status === 'rejected').length;
  return { due: due.length, queued: toQueue.length - failed, failed, more: due.length === limit };
}
