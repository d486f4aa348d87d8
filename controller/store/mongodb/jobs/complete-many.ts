import { randomBytes } from 'node:crypto';
import type { JobLease } from '../../store';
import { held, json, type Collections } from '../collections';
import { releaseJobKeys } from './job-keys';

/**
 * Group commit: all completions in one unordered bulk write (one round trip), each still
 * conditional on its lease. Bulk results only count, so every update also stamps a token
 * unique to this call and item; reading the tokens back tells which ones went in.
 */
export async function completeJobs(
  c: Collections,
  items: Array<{ lease: JobLease; result: unknown }>,
  now: number,
): Promise<boolean[]> {
  if (items.length === 0) return [];
  const batch = randomBytes(6).toString('hex');
  const res = await c.jobs.bulkWrite(
    items.map((item, i) => ({
      updateOne: {
        filter: held(item.lease),
        update: {
          $set: {
            state: 'completed' as const,
            result: json(item.result),
            finishedAt: now,
            workerId: null,
            leaseUntil: null,
            endedBy: `${batch}:${i}`,
          },
        },
      },
    })),
    { ordered: false },
  );
  if (res.matchedCount === 0) return items.map(() => false);
  const docs = await c.jobs
    .find(
      { _id: { $in: items.map((i) => i.lease.id) } },
      { projection: { _id: 1, dedupeKey: 1, endedBy: 1 } },
    )
    .toArray();
  const byToken = new Map(docs.map((d) => [d.endedBy, d]));
  const done = items.map((_, i) => byToken.get(`${batch}:${i}`));
  await releaseJobKeys(
    c,
    done.flatMap((d) => (d ? [d] : [])),
  );
  return done.map((d) => d !== undefined);
}
