import type { RobotRecord } from '../records';
import type { RobotPatch, RobotRepository } from '../store';
import { isDuplicateKey, type Collections, type RobotDoc } from './collections';

const toRobot = ({ _id, advances: _a, ...r }: RobotDoc): RobotRecord => ({ type: _id, ...r });

const PATCHABLE: ReadonlyArray<keyof RobotPatch> = [
  'instances',
  'intervalMs',
  'windowStart',
  'windowEnd',
  'enabled',
  'nextRunAt',
];

export function mongoRobotRepository(c: Collections): RobotRepository {
  const get = async (type: string) => {
    const doc = await c.robots.findOne({ _id: type });
    return doc ? toRobot(doc) : null;
  };
  return {
    ensure: async (d) => {
      const { type, ...rest } = d;
      try {
        await c.robots.insertOne({ _id: type, ...rest, advances: 0 });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // exists: its stored settings win
      }
      return (await get(type)) as RobotRecord;
    },
    get,
    list: async () => (await c.robots.find({}, { sort: { _id: 1 } }).toArray()).map(toRobot),
    update: async (type, patch, by, now) => {
      const set: Partial<RobotDoc> = { updatedAt: now, updatedBy: by };
      for (const key of PATCHABLE)
        if (patch[key] !== undefined) Object.assign(set, { [key]: patch[key] });
      const doc = await c.robots.findOneAndUpdate(
        { _id: type },
        { $set: set },
        { returnDocument: 'after' },
      );
      return doc ? toRobot(doc) : null;
    },
    advance: (type, expected, next) => advanceRobot(c, type, expected, next),
  };
}

/**
 * Moves nextRunAt forward only if it still equals `expected`, and only for one caller:
 * each advance inserts `${type}:${advances + 1}` into robot_advances, and only the caller
 * whose insert went in writes the robot. The counter never goes back, so a scheduler
 * working from a stale read collides instead of winning a second time.
 */
async function advanceRobot(
  c: Collections,
  type: string,
  expected: number | null,
  next: { nextRunAt: number | null; lastStartedAt: number; lastJobId: string | null },
): Promise<boolean> {
  const robot = await c.robots.findOne({ _id: type });
  if (!robot || robot.nextRunAt !== expected) return false;
  const n = (robot.advances ?? 0) + 1;
  try {
    await c.robotAdvances.insertOne({ _id: `${type}:${n}`, type, at: next.lastStartedAt });
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
  const res = await c.robots.updateOne(
    { _id: type, nextRunAt: expected, advances: n - 1 },
    { $set: { ...next, advances: n } },
  );
  // The documents of older advances can never be won again: the robot's counter is past them.
  if (n > 1) await c.robotAdvances.deleteOne({ _id: `${type}:${n - 1}` });
  return res.matchedCount === 1;
}
