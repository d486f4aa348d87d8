import type { JobState } from '../records';
import type { JobRepository } from '../store';
import { requestCancel, retryJob } from './jobs/cancel-and-retry';
import { claimJobs } from './jobs/claim-jobs';
import { completeJobs } from './jobs/complete-many';
import { enqueueJob, enqueueJobs } from './jobs/enqueue-job';
import { expireOverdue } from './jobs/expire-overdue';
import { awaitChildren, completeJob, deferJob, failJob, markCancelled } from './jobs/finish-job';
import { listJobs } from './jobs/list-jobs';
import { countChildren, finishParentIfDone, listParentsReadyToFinish } from './jobs/parent-jobs';
import { purgeEnded } from './jobs/purge-ended';
import { reclaimExpiredLeases } from './jobs/reclaim-expired-leases';
import { renewLease } from './jobs/renew-lease';
import { toJobRecord, type Collections } from './collections';

export function mongoJobRepository(c: Collections): JobRepository {
  return {
    enqueue: (job, now) => enqueueJob(c, job, now),
    enqueueMany: (jobs, now) => enqueueJobs(c, jobs, now),
    get: async (id) => {
      const doc = await c.jobs.findOne({ _id: id });
      return doc ? toJobRecord(doc) : null;
    },
    list: (filter, page) => listJobs(c, filter, page),
    claim: (req) => claimJobs(c, req),
    renewLease: (lease, leaseUntil, progress) => renewLease(c, lease, leaseUntil, progress),
    complete: (lease, result, now) => completeJob(c, lease, result, now),
    completeMany: (items, now) => completeJobs(c, items, now),
    fail: (lease, error, retryAt, now) => failJob(c, lease, error, retryAt, now),
    defer: (lease, runAt, note) => deferJob(c, lease, runAt, note),
    markCancelled: (lease, now) => markCancelled(c, lease, now),
    awaitChildren: (lease) => awaitChildren(c, lease),
    finishParentIfDone: (parentId, now) => finishParentIfDone(c, parentId, now),
    countChildren: (parentId) => countChildren(c, parentId),
    requestCancel: (id, now) => requestCancel(c, id, now),
    retry: (id, now) => retryJob(c, id, now),
    reclaimExpiredLeases: (now) => reclaimExpiredLeases(c, now),
    expireOverdue: (now) => expireOverdue(c, now),
    listParentsReadyToFinish: (limit) => listParentsReadyToFinish(c, limit),
    purgeEnded: (criteria) => purgeEnded(c, criteria),
    countByTypeAndState: async () =>
      (
        await c.jobs
          .aggregate<{ _id: { type: string; state: JobState }; count: number }>([
            { $group: { _id: { type: '$type', state: '$state' }, count: { $sum: 1 } } },
          ])
          .toArray()
      )
        .map((r) => ({ type: r._id.type, state: r._id.state, count: r.count }))
        .sort((a, b) => (a.type + a.state < b.type + b.state ? -1 : 1)),
  };
}
