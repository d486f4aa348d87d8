import type Database from 'better-sqlite3';
import type { JobRecord, JobState } from '../records';
import type { JobRepository } from '../store';
import { toJobRecord, type JobRow } from './job-rows';
import { stmt } from './statements';
import { requestCancel, retryJob } from './jobs/cancel-and-retry';
import { claimJobs } from './jobs/claim-jobs';
import { enqueueJob, enqueueJobs } from './jobs/enqueue-job';
import {
  awaitChildren,
  completeJob,
  deferJob,
  failJob,
  markCancelled,
  renewLease,
} from './jobs/finish-job';
import { listJobs } from './jobs/list-jobs';
import { countChildren, finishParentIfDone, listParentsReadyToFinish } from './jobs/parent-jobs';
import { expireOverdue, purgeEnded, reclaimExpiredLeases } from './jobs/recover-jobs';

/** better-sqlite3 is synchronous; the repository presents the store's async interface. */
export function sqliteJobRepository(db: Database.Database): JobRepository {
  return {
    enqueue: async (job, now) => enqueueJob(db, job, now),
    enqueueMany: async (jobs, now) => enqueueJobs(db, jobs, now),
    get: async (id) => {
      const row = stmt(db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
      return row ? toJobRecord(row) : null;
    },
    list: async (filter, page) => listJobs(db, filter, page),
    claim: async (req) => claimJobs(db, req),
    renewLease: async (lease, until, progress) => renewLease(db, lease, until, progress),
    complete: async (lease, result, now) => completeJob(db, lease, result, now),
    completeMany: async (items, now) =>
      db.transaction(() => items.map((i) => completeJob(db, i.lease, i.result, now))).immediate(),
    fail: async (lease, error, retryAt, now) => failJob(db, lease, error, retryAt, now),
    defer: async (lease, runAt, note) => deferJob(db, lease, runAt, note),
    markCancelled: async (lease, now) => markCancelled(db, lease, now),
    awaitChildren: async (lease) => awaitChildren(db, lease),
    finishParentIfDone: async (id, now): Promise<JobRecord | null> =>
      finishParentIfDone(db, id, now),
    countChildren: async (id) => countChildren(db, id),
    requestCancel: async (id, now) => requestCancel(db, id, now),
    retry: async (id, now) => retryJob(db, id, now),
    reclaimExpiredLeases: async (now) => reclaimExpiredLeases(db, now),
    expireOverdue: async (now) => expireOverdue(db, now),
    listParentsReadyToFinish: async (limit) => listParentsReadyToFinish(db, limit),
    purgeEnded: async (c) => purgeEnded(db, c),
    countByTypeAndState: async () =>
      (
        stmt(
          db,
          'SELECT type, state, count(*) AS count FROM jobs GROUP BY type, state',
        ).all() as Array<{
          type: string;
          state: JobState;
          count: number;
        }>
      ).map((r) => ({ type: r.type, state: r.state, count: r.count })),
  };
}
