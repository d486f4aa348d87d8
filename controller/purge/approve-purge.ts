/**
 * The four-eyes rule of purges: one admin asks, another approves, and only then does
 * purge-database-objects run. The same token approving its own request is FORBIDDEN; a
 * request that is no longer pending is a CONFLICT. The job is queued under a dedupe key
 * per request, so even two approvals racing on a store without atomic conditional updates
 * (FerretDB) start one purge.
 */
import { conflict, forbidden, notFound } from '../../shared/errors';
import type { JobQueue } from '../engine/job-queue';
import { purgeDatabaseObjects } from '../jobs/purge-database-objects';
import type { JobRecord } from '../store/records';
import type { PurgeRequestRecord } from '../store/reporting-store';
import type { Store } from '../store/store';

export interface Approver {
  actor: string;
  tokenId: string;
}

export async function pendingRequest(
  store: Pick<Store, 'purgeRequests'>,
  id: string,
): Promise<PurgeRequestRecord> {
  const req = await store.purgeRequests.get(id);
  if (!req) throw notFound(`no purge request ${id}`, { details: { field: 'id', value: id } });
  if (req.state !== 'pending')
    throw conflict(`purge request ${id} is ${req.state}, not pending: it cannot be decided again`, {
      details: { state: req.state, decidedBy: req.decidedBy },
    });
  return req;
}

export async function approvePurge(
  store: Pick<Store, 'purgeRequests' | 'audit'>,
  queue: Pick<JobQueue, 'enqueue'>,
  id: string,
  by: Approver,
  now: number,
): Promise<{ request: PurgeRequestRecord; job: JobRecord }> {
  const req = await pendingRequest(store, id);
  if (req.requestedByToken === by.tokenId)
    throw forbidden(
      `purge request ${id} was made by ${req.requestedBy}: another admin must approve it`,
      { details: { requestedBy: req.requestedBy, approver: by.actor } },
    );
  const decided = await store.purgeRequests.decide(id, {
    state: 'approved',
    by: by.actor,
    byToken: by.tokenId,
    at: now,
  });
  // Another admin decided it between the read and the write.
  if (!decided)
    throw conflict(`purge request ${id} was decided by someone else meanwhile`, {
      details: { field: 'id', value: id },
    });
  const { job } = await queue.enqueue(
    purgeDatabaseObjects.type,
    { requestId: id },
    { createdBy: by.actor, trigger: 'admin', dedupeKey: `purge-request:${id}` },
  );
  await store.purgeRequests.setJob(id, job.id);
  await store.audit.append({
    at: now,
    actor: by.actor,
    action: 'purge-request.approve',
    subject: id,
    details: { kind: req.kind, before: req.before, requestedBy: req.requestedBy, jobId: job.id },
  });
  return { request: { ...decided, jobId: job.id }, job };
}
