/**
 * The host half of internal-scheduler. Each host's effective scan intervals (global
 * defaults, then its group, then the host) are resolved into one schedule row per host
 * and scan type holding the next due time. A tick reads only the due rows through the
 * (type, due) index, so its cost follows the work that is due, not the fleet size.
 * When settings change, the store marks the affected hosts schedule-dirty and
 * `updateJobIntervals` recomputes exactly those.
 */
import type { HostGroupRecord, HostRecord, ScanIntervals } from '../store/host-records';
import { SCANNED_STATES } from '../store/host-records';
import type { JobRecord } from '../store/records';
import type { Store } from '../store/store';
import type { HostScan } from './job-definition';
import type { JobRegistry } from './job-queue';

/** The host scans a registry's job types declare (their `hostScan`), in registry order. */
export function hostScansOf(registry: JobRegistry): HostScan[] {
  return Object.values(registry).flatMap((d) =>
    d.hostScan ? [{ type: d.type, ...d.hostScan }] : [],
  );
}

/** Each scan's interval as its job type declares it: used until an operator stores defaults. */
export function builtinScanDefaults(scans: readonly HostScan[]): ScanIntervals {
  return Object.fromEntries(scans.map((s) => [s.type, s.defaultIntervalMs]));
}

/** The global defaults: what an operator stored, the job types' own for any scan not stored. */
async function scanDefaults(
  store: Pick<Store, 'hostGroups'>,
  scans: readonly HostScan[],
): Promise<ScanIntervals> {
  return { ...builtinScanDefaults(scans), ...(await store.hostGroups.getScanDefaults()) };
}

/** Host override, else group override, else the global default; 0 = off. */
export function effectiveScanIntervals(
  scans: readonly HostScan[],
  defaults: ScanIntervals,
  group: HostGroupRecord | null,
  host: HostRecord,
): ScanIntervals {
  const scanned = SCANNED_STATES.includes(host.state);
  const out: ScanIntervals = {};
  for (const { type } of scans) {
    out[type] = scanned
      ? (host.scanIntervalsMs[type] ?? group?.scanIntervalsMs[type] ?? defaults[type] ?? 0)
      : 0;
  }
  return out;
}

/** Recomputes the schedule of up to `limit` schedule-dirty hosts; `more` when some are left. */
export async function updateJobIntervals(
  store: Pick<Store, 'hosts' | 'hostGroups' | 'scanSchedule'>,
  scans: readonly HostScan[],
  now: number,
  limit = 1000,
): Promise<{ hosts: number; more: boolean }> {
  const dirty = await store.hosts.listScheduleDirty(limit);
  if (dirty.length === 0) return { hosts: 0, more: false };
  const defaults = await scanDefaults(store, scans);
  const groups = new Map<string, HostGroupRecord | null>();
  const groupOf = async (id: string | null) => {
    if (id === null) return null;
    if (!groups.has(id)) groups.set(id, await store.hostGroups.get(id));
    return groups.get(id) ?? null;
  };
  for (const { id, version } of dirty) {
    const host = await store.hosts.get(id);
    if (host) {
      const intervals = effectiveScanIntervals(scans, defaults, await groupOf(host.groupId), host);
      await store.scanSchedule.setHost(id, intervals, now);
    }
    // Refused when the host changed again meanwhile: it stays dirty for the next pass.
    await store.hosts.clearScheduleDirty(id, version);
  }
  return { hosts: dirty.length, more: dirty.length === limit };
}

export interface ScanEnqueuer {
  store: Pick<Store, 'scanSchedule'>;
  /** The registered host scans: a scan type is queued only once its job type exists. */
  scans: readonly HostScan[];
  /** Queues a scan (its type is a registered scan job, checked again when queued). */
  enqueue(job: {
    type: string;
    params: Record<string, never>;
    hostId: string;
    dedupeKey: string;
    trigger: 'schedule';
  }): Promise<JobRecord>;
}

/** The dedupe key of a host's scan of this type, wherever it is queued from. */
export const scanDedupeKey = (type: string, hostId: string): string => `${type}:${hostId}`;

/** scan type -> the scan types that cover it (read it too, so it need not run beside them). */
function coveredBy(scans: readonly HostScan[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of scans)
    for (const covered of s.covers ?? [])
      out.set(covered, (out.get(covered) ?? new Set()).add(s.type));
  return out;
}

/**
 * Records a full scan queued outside the schedule (discovery's first scan) as the host's
 * scheduled scans: the host's rows are made now if it is new to the schedule, and every row
 * moves to now + its interval, so the next tick queues neither a second scan-full nor the
 * narrower scans it covers. `host` is the record as it will be scanned (its state decides
 * whether it has a schedule at all).
 */
export async function recordFullScanQueued(
  store: Pick<Store, 'hostGroups' | 'scanSchedule'>,
  scans: readonly HostScan[],
  host: HostRecord,
  jobId: string,
  now: number,
): Promise<void> {
  const defaults = await scanDefaults(store, scans);
  const group = host.groupId === null ? null : await store.hostGroups.get(host.groupId);
  const intervals = effectiveScanIntervals(scans, defaults, group, host);
  await store.scanSchedule.setHost(host.id, intervals, now);
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
  const types = deps.scans.map((s) => s.type);
  if (types.length === 0) return { due: 0, queued: 0, failed: 0, more: false };
  const due = await deps.store.scanSchedule.listDue(types, now, limit);
  if (due.length === 0) return { due: 0, queued: 0, failed: 0, more: false };
  const covers = new Map(deps.scans.map((s) => [s.type, s.covers ?? []]));
  const covering = coveredBy(deps.scans);
  const dueNow = new Set(due.map((e) => `${e.scanType}:${e.hostId}`));
  const isCovered = (hostId: string, scanType: string) =>
    [...(covering.get(scanType) ?? [])].some((c) => dueNow.has(`${c}:${hostId}`));
  const toQueue = due.filter((e) => !isCovered(e.hostId, e.scanType));
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
  const fullScans = moves.filter(
    (m) => (covers.get(m.scanType) ?? []).length > 0 && m.jobId !== null,
  );
  const hostRows = await Promise.all(
    fullScans.map((m) => deps.store.scanSchedule.listForHost(m.hostId)),
  );
  for (const [i, full] of fullScans.entries()) {
    for (const row of hostRows[i] ?? []) {
      if (!(covers.get(full.scanType) ?? []).includes(row.scanType)) continue;
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
