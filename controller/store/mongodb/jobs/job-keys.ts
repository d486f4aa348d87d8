/** The dedupe keys of jobs: one queued or running job per key. */
import type { JobRecord } from '../../records';
import { toJobRecord, type Collections } from '../collections';
import { releaseKey, type SingletonKeys } from '../singleton-key';

export const jobKeys = (c: Collections): SingletonKeys => ({
  keys: c.jobDedupe,
  releases: c.jobDedupeReleases,
});

export const loadJob =
  (c: Collections) =>
  async (id: string): Promise<JobRecord | null> => {
    const doc = await c.jobs.findOne({ _id: id });
    return doc ? toJobRecord(doc) : null;
  };

export const isActiveJob = (j: JobRecord): boolean => j.state === 'queued' || j.state === 'running';

/** Frees the dedupe keys of jobs that just ended. */
export async function releaseJobKeys(
  c: Collections,
  ended: Array<{ _id: string; dedupeKey: string | null }>,
): Promise<void> {
  for (const j of ended) if (j.dedupeKey) await releaseKey(jobKeys(c), j.dedupeKey, j._id);
}
