import { LEASE_EXPIRED_ERROR } from '../../job-errors';
import type { Collections } from '../collections';
import { releaseJobKeys } from './job-keys';

const LEASE_EXPIRED = LEASE_EXPIRED_ERROR;

/**
 * Running jobs whose lease ran out go back to the queue, or fail when their attempts are
 * used up. Each update repeats the expiry condition, so a lease renewed meanwhile is kept;
 * the ids returned are those that still matched after the update.
 */
export async function reclaimExpiredLeases(
  c: Collections,
  now: number,
): Promise<{ requeued: string[]; failed: string[]; cancelled: string[] }> {
  const expired = { state: 'running' as const, leaseUntil: { $ne: null, $lt: now } };
  const found = await c.jobs
    .find(expired, {
      projection: { _id: 1, attempts: 1, maxAttempts: 1, dedupeKey: 1, cancelRequested: 1 },
      sort: { _id: 1 },
    })
    .toArray();
  if (found.length === 0) return { requeued: [], failed: [], cancelled: [] };
  // A job whose cancel was requested must not run again, whatever attempts it has left.
  const stop = found.filter((j) => j.cancelRequested);
  const out = found.filter((j) => !j.cancelRequested && j.attempts >= j.maxAttempts);
  const again = found.filter((j) => !j.cancelRequested && j.attempts < j.maxAttempts);
  if (stop.length)
    await c.jobs.updateMany(
      { ...expired, _id: { $in: stop.map((j) => j._id) } },
      { $set: { state: 'cancelled', finishedAt: now, workerId: null, leaseUntil: null } },
    );
  if (out.length)
    await c.jobs.updateMany(
      { ...expired, _id: { $in: out.map((j) => j._id) } },
      {
        $set: {
          state: 'failed',
          error: LEASE_EXPIRED,
          finishedAt: now,
          workerId: null,
          leaseUntil: null,
        },
      },
    );
  if (again.length)
    await c.jobs.updateMany(
      { ...expired, _id: { $in: again.map((j) => j._id) } },
      { $set: { state: 'queued', workerId: null, leaseUntil: null, runAt: now } },
    );
  const after = new Map(
    (
      await c.jobs
        .find(
          { _id: { $in: found.map((j) => j._id) } },
          { projection: { _id: 1, state: 1, finishedAt: 1, runAt: 1 } },
        )
        .toArray()
    ).map((d) => [d._id, d]),
  );
  const failed = out.filter(
    (j) => after.get(j._id)?.state === 'failed' && after.get(j._id)?.finishedAt === now,
  );
  const requeued = again.filter((j) => after.get(j._id)?.runAt === now);
  const cancelled = stop.filter(
    (j) => after.get(j._id)?.state === 'cancelled' && after.get(j._id)?.finishedAt === now,
  );
  await releaseJobKeys(c, [...failed, ...cancelled]);
  return {
    requeued: requeued.map((j) => j._id),
    failed: failed.map((j) => j._id),
    cancelled: cancelled.map((j) => j._id),
  };
}
