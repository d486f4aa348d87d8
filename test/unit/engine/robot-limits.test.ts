import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../controller/engine/job-queue';
import { RobotScheduler } from '../../../controller/engine/robot-scheduler';
import type { JobRecord, RobotRecord } from '../../../controller/store/records';
import type { Store } from '../../../controller/store/store';

const NOON = new Date(2030, 0, 1, 12, 0).getTime();

function fakeStore(robots: RobotRecord[], running: Array<Pick<JobRecord, 'type' | 'workerId'>>) {
  return {
    robots: { list: async () => robots },
    jobs: {
      list: async () => ({ items: running as JobRecord[], nextCursor: null }),
    },
  } as unknown as Store;
}

const robot = (over: Partial<RobotRecord>): RobotRecord => ({
  type: 'r',
  instances: 3,
  intervalMs: null,
  windowStart: null,
  windowEnd: null,
  enabled: true,
  nextRunAt: null,
  lastStartedAt: null,
  lastJobId: null,
  updatedAt: 0,
  updatedBy: 'system',
  ...over,
});

async function scheduler(
  robots: RobotRecord[],
  running: Array<Pick<JobRecord, 'type' | 'workerId'>>,
  now = NOON,
) {
  const s = new RobotScheduler(
    fakeStore(robots, running),
    { registry: {} } as JobQueue,
    pino({ level: 'silent' }),
    1000,
    () => now,
  );
  await s.refresh();
  return s;
}

describe('robot instance limits', () => {
  it('gives a robot its instances minus those other controllers run', async () => {
    const s = await scheduler(
      [robot({})],
      [
        { type: 'r', workerId: 'me' },
        { type: 'r', workerId: 'other' },
      ],
    );
    // Its own running job is counted by the engine itself, so only "other" is subtracted.
    expect(s.limitFor('r', 16, 'me')).toBe(2);
    expect(s.limitFor('not-a-robot', 16, 'me')).toBe(16);
  });

  it('closes a disabled robot and one outside its window', async () => {
    expect((await scheduler([robot({ enabled: false })], [])).limitFor('r', 16, 'me')).toBe(0);
    expect(
      (await scheduler([robot({ windowStart: '22:00', windowEnd: '06:00' })], [])).limitFor(
        'r',
        16,
        'me',
      ),
    ).toBe(0);
    const inside = await scheduler(
      [robot({ windowStart: '22:00', windowEnd: '06:00' })],
      [],
      new Date(2030, 0, 1, 23, 30).getTime(),
    );
    expect(inside.limitFor('r', 16, 'me')).toBe(3);
  });

  it('never goes below zero when others run more than the robot allows now', async () => {
    const s = await scheduler(
      [robot({ instances: 1 })],
      [
        { type: 'r', workerId: 'a' },
        { type: 'r', workerId: 'b' },
      ],
    );
    expect(s.limitFor('r', 16, 'me')).toBe(0);
  });
});
