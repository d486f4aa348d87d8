/** Writes made by the worker holding an attempt: each is refused if the attempt is no longer its. */
import type { JobError } from '../../records';
import type { JobLease } from '../../store';
import { held, json, type Collections, type JobDoc } from '../collections';
import { releaseJobKeys } from './job-keys';

type Changes = Partial<JobDoc>;

/** One conditional write; when the job ended, its dedupe key is freed for the next one. */
async function endAttempt(c: Collections, lease: JobLease, set: Changes): Promise<boolean> {
  // No projection: FerretDB does not implement one on findAndModify.
  const doc = await c.jobs.findOneAndUpdate(held(lease), { $set: set });
  if (!doc) return false;
  if (set.finishedAt !== undefined) await releaseJobKeys(c, [doc]);
  return true;
}

export const completeJob = (c: Collections, l: JobLease, result: unknown, now: number) =>
  endAttempt(c, l, {
    state: 'completed',
    result: json(result),
    finishedAt: now,
    workerId: null,
    leaseUntil: null,
  });

export const failJob = (
  c: Collections,
  l: JobLease,
  error: JobError,
  retryAt: number | null,
  now: number,
) =>
  endAttempt(
    c,
    l,
    retryAt === null
      ? { state: 'failed', error, finishedAt: now, workerId: null, leaseUntil: null }
      : { state: 'queued', error, runAt: retryAt, workerId: null, leaseUntil: null },
  );

export const deferJob = (c: Collections, l: JobLease, runAt: number, note: JobError) =>
  endAttempt(c, l, {
    state: 'queued',
    error: note,
    runAt,
    attempts: l.attempt - 1,
    workerId: null,
    leaseUntil: null,
  });

export const markCancelled = (c: Collections, l: JobLease, now: number) =>
  endAttempt(c, l, {
    state: 'cancelled',
    finishedAt: now,
    workerId: null,
    leaseUntil: null,
    awaitingChildren: false,
  });

/** The parent stays running, without a worker or lease, until its children have ended. */
export const awaitChildren = (c: Collections, l: JobLease) =>
  endAttempt(c, l, { awaitingChildren: true, workerId: null, leaseUntil: null });
