import { conflict } from '../../../../shared/errors';
import type { JobRecord } from '../../records';
import { ENDED_STATES, toJobRecord, type Collections } from '../collections';
import { takeKey } from '../singleton-key';
import { isActiveJob, jobKeys, loadJob, releaseJobKeys } from './job-keys';

/** A queued job ends at once; a running one is flagged and its worker aborts it. */
export async function requestCancel(
  c: Collections,
  id: string,
  now: number,
): Promise<JobRecord | null> {
  const cancelled = await c.jobs.findOneAndUpdate(
    { _id: id, state: 'queued' },
    { $set: { state: 'cancelled', finishedAt: now } },
    { returnDocument: 'after' },
  );
  if (cancelled) {
    await releaseJobKeys(c, [cancelled]);
    return toJobRecord(cancelled);
  }
  const doc =
    (await c.jobs.findOneAndUpdate(
      { _id: id, state: 'running' },
      { $set: { cancelRequested: true } },
      { returnDocument: 'after' },
    )) ?? (await c.jobs.findOne({ _id: id }));
  return doc ? toJobRecord(doc) : null;
}

/**
 * Only ended, unsuccessful jobs can be retried; they start over with fresh attempts (the
 * claim counter goes on, so old claim documents never collide). A deadline already
 * passed is dropped, or the job would expire at once. A dedupe key is taken again
 * first: if another active job holds it, the retry is refused with CONFLICT.
 */
export async function retryJob(c: Collections, id: string, now: number): Promise<JobRecord | null> {
  const current = await c.jobs.findOne({
    _id: id,
    state: { $in: ['failed', 'cancelled', 'expired'] },
  });
  if (!current) return null;
  if (current.dedupeKey) {
    const took = await takeKey(jobKeys(c), current.dedupeKey, id, loadJob(c), isActiveJob);
    if (!took.taken)
      throw conflict(`job ${id} cannot be retried: job ${took.holder.id} holds its dedupe key`, {
        details: { id, dedupeKey: current.dedupeKey, holder: took.holder.id },
      });
    // Its release document from the last end would make its next end a no-op.
    await c.jobDedupeReleases.deleteOne({ _id: `${id}/${current.dedupeKey}` });
  }
  const doc = await c.jobs.findOneAndUpdate(
    { _id: id, state: { $in: [...ENDED_STATES].filter((s) => s !== 'completed') } },
    {
      $set: {
        state: 'queued',
        attempts: 0,
        error: null,
        result: null,
        runAt: now,
        finishedAt: null,
        startedAt: null,
        cancelRequested: false,
        progress: null,
        ...(current.deadline !== null && current.deadline <= now ? { deadline: null } : {}),
      },
    },
    { returnDocument: 'after' },
  );
  return doc ? toJobRecord(doc) : null;
}
