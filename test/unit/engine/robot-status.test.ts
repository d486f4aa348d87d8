import { describe, expect, it } from 'vitest';
import { robotLateness, robotStatus } from '../../../controller/reports/robot-status';
import type { JobRecord, RobotRecord } from '../../../controller/store/records';

const NOW = new Date(2030, 0, 1, 12, 0).getTime();
const robot = (over: Partial<RobotRecord> = {}): RobotRecord => ({
  type: 'r',
  instances: 1,
  intervalMs: 60_000,
  windowStart: null,
  windowEnd: null,
  enabled: true,
  nextRunAt: NOW + 30_000,
  lastStartedAt: NOW - 30_000,
  lastJobId: null,
  updatedAt: NOW,
  updatedBy: 'system',
  ...over,
});
const queuedJob = (runAt: number) => ({ state: 'queued', runAt }) as JobRecord;
const status = (r: RobotRecord, running = 0, lastJob: JobRecord | null = null) =>
  robotStatus(r, { now: NOW, running, lastJob, lateAfterMs: 60_000 });

describe('robot status', () => {
  it('is disabled before anything else, then running', () => {
    expect(status(robot({ enabled: false, nextRunAt: NOW - 3_600_000 }), 2)).toBe('disabled');
    expect(status(robot({ nextRunAt: NOW - 3_600_000 }), 1)).toBe('running');
  });

  it('is late when the next run passed by more than the grace, or its job waits for an instance', () => {
    expect(status(robot({ nextRunAt: NOW - 59_000 }))).toBe('idle');
    expect(status(robot({ nextRunAt: NOW - 61_000 }))).toBe('late');
    expect(robotLateness(robot({ nextRunAt: NOW - 61_000 }), null, NOW, 60_000)).toBe(61_000);
    expect(status(robot(), 0, queuedJob(NOW - 120_000))).toBe('late');
    expect(status(robot(), 0, queuedJob(NOW - 10_000))).toBe('idle');
    // Robots without an interval are never late by schedule.
    expect(status(robot({ intervalMs: null, nextRunAt: null }), 0, queuedJob(NOW - 999_999))).toBe(
      'idle',
    );
  });

  it('waits for its window outside it, including a window that wraps past midnight', () => {
    expect(status(robot({ windowStart: '22:00', windowEnd: '02:00' }))).toBe('waiting-for-window');
    expect(status(robot({ windowStart: '11:00', windowEnd: '13:00' }))).toBe('idle');
    expect(status(robot({ windowStart: '11:59', windowEnd: '00:30' }))).toBe('idle');
  });
});
