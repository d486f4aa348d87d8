import { newId } from '../../ids';
import type { NewJob } from '../../records';
import type { EnqueueResult } from '../../store';
import { json, toJobRecord, type Collections, type JobDoc } from '../collections';
import { takeKey } from '../singleton-key';
import { isActiveJob, jobKeys, loadJob } from './job-keys';

export function newJobDoc(job: NewJob, now: number): JobDoc {
  return {
    _id: newId(now),
    type: job.type,
    state: 'queued',
    params: json(job.params),
    result: null,
    error: null,
    attempts: 0,
    maxAttempts: job.maxAttempts,
    priority: job.priority ?? 0,
    runAt: job.runAt ?? now,
    deadline: job.deadline ?? null,
    parentId: job.parentId ?? null,
    hostId: job.hostId ?? null,
    createdBy: job.createdBy,
    trigger: job.trigger,
    dedupeKey: job.dedupeKey ?? null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    workerId: null,
    leaseUntil: null,
    cancelRequested: false,
    awaitingChildren: false,
    progress: null,
    lane: job.lane ?? 'normal',
    claims: 0,
  };
}

/**
 * Inserts one job. With a dedupe key, the key is taken first (a unique insert decides
 * between racing enqueuers); an active job already holding it is returned instead.
 */
export async function enqueueJob(c: Collections, job: NewJob, now: number): Promise<EnqueueResult> {
  const doc = newJobDoc(job, now);
  if (doc.dedupeKey) {
    const took = await takeKey(jobKeys(c), doc.dedupeKey, doc._id, loadJob(c), isActiveJob);
    if (!took.taken) return { job: took.holder, created: false };
  }
  await c.jobs.insertOne(doc);
  return { job: toJobRecord(doc), created: true };
}

/** One insertMany for jobs without a dedupe key; keyed ones go one by one, in order. */
export async function enqueueJobs(
  c: Collections,
  jobs: NewJob[],
  now: number,
): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = [];
  const plain: JobDoc[] = [];
  for (const job of jobs) {
    if (job.dedupeKey) {
      results.push(await enqueueJob(c, job, now));
    } else {
      const doc = newJobDoc(job, now);
      plain.push(doc);
      results.push({ job: toJobRecord(doc), created: true });
    }
  }
  if (plain.length) await c.jobs.insertMany(plain, { ordered: true });
  return results;
}
