/**
 * A robot's status as an operator sees it: disabled, running, late, waiting for its
 * window, or idle. Computed from the store (robot record, its running jobs, its last
 * job), so every controller answers the same.
 */
import { inWindow } from '../engine/robot-window';
import type { JobRecord, RobotRecord } from '../store/records';

export const ROBOT_STATUSES = [
  'idle',
  'running',
  'waiting-for-window',
  'disabled',
  'late',
] as const;
export type RobotStatus = (typeof ROBOT_STATUSES)[number];

/**
 * How long a periodic robot is overdue, or null when it is not late: either the scheduler
 * has not started it although its next run time passed, or the job it started still waits
 * for a free instance.
 */
export function robotLateness(
  r: RobotRecord,
  lastJob: JobRecord | null,
  now: number,
  lateAfterMs: number,
): number | null {
  if (!r.enabled || r.intervalMs === null) return null;
  if (r.nextRunAt !== null && now - r.nextRunAt > lateAfterMs) return now - r.nextRunAt;
  if (lastJob?.state === 'queued' && now - lastJob.runAt > lateAfterMs) return now - lastJob.runAt;
  return null;
}

export function robotStatus(
  r: RobotRecord,
  o: { now: number; running: number; lastJob: JobRecord | null; lateAfterMs: number },
): RobotStatus {
  if (!r.enabled) return 'disabled';
  if (o.running > 0) return 'running';
  if (robotLateness(r, o.lastJob, o.now, o.lateAfterMs) !== null) return 'late';
  if (!inWindow(o.now, r.windowStart, r.windowEnd)) return 'waiting-for-window';
  return 'idle';
}
