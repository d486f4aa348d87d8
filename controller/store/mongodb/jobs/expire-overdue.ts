import type { Collections } from '../collections';
import { releaseJobKeys } from './job-keys';

/** Queued jobs whose deadline passed become expired; returns their ids, sorted. */
export async function expireOverdue(c: Collections, now: number): Promise<string[]> {
  const overdue = { state: 'queued' as const, deadline: { $ne: null, $lte: now } };
  const found = await c.jobs
    .find(overdue, { projection: { _id: 1, dedupeKey: 1 }, sort: { _id: 1 } })
    .toArray();
  if (found.length === 0) return [];
  const ids = found.map((j) => j._id);
  await c.jobs.updateMany(
    { ...overdue, _id: { $in: ids } },
    { $set: { state: 'expired', finishedAt: now } },
  );
  const ended = new Set(
    (await c.jobs.distinct('_id', {
      _id: { $in: ids },
      state: 'expired',
      finishedAt: now,
    })) as string[],
  );
  const expired = found.filter((j) => ended.has(j._id));
  await releaseJobKeys(c, expired);
  return expired.map((j) => j._id);
}
