import { FINAL_JOB_STATES, type JobState } from '../../records';
import type { Collections } from '../collections';
import { forgetHolders } from '../singleton-key';
import { jobKeys } from './job-keys';

const BATCH = 1000;

/**
 * Deletes ended jobs matching the criteria, with their claim and dedupe documents, in
 * batches so a large purge never sends one huge `$in`.
 */
export async function purgeEnded(
  c: Collections,
  criteria: { finishedBefore: number; types?: string[]; states?: JobState[] },
): Promise<number> {
  const states = (criteria.states ?? FINAL_JOB_STATES).filter((s) => FINAL_JOB_STATES.includes(s));
  const filter = {
    state: { $in: states },
    finishedAt: { $ne: null, $lt: criteria.finishedBefore },
    ...(criteria.types ? { type: { $in: criteria.types } } : {}),
  };
  let deleted = 0;
  for (;;) {
    const batch = await c.jobs
      .find(filter, { projection: { _id: 1, dedupeKey: 1 }, limit: BATCH })
      .toArray();
    if (batch.length === 0) return deleted;
    const ids = batch.map((j) => j._id);
    const gone = (await c.jobs.deleteMany({ ...filter, _id: { $in: ids } })).deletedCount;
    deleted += gone;
    await c.jobClaims.deleteMany({ jobId: { $in: ids } });
    await forgetHolders(
      jobKeys(c),
      batch.flatMap((j) => (j.dedupeKey ? [{ key: j.dedupeKey, holder: j._id }] : [])),
    );
    if (batch.length < BATCH || gone === 0) return deleted;
  }
}
