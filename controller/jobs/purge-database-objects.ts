import { Type } from '@sinclair/typebox';
import { conflict, forbidden, notFound } from '../../shared/errors';
import { defineJob } from '../engine/job-definition';
import { purgeObjects } from '../purge/purge-objects';

/**
 * Carries out an approved purge request (controller/purge/approve-purge.ts queues it when a
 * second admin approves): deletes the audit or key-activity records older than the
 * request's date and leaves an audit entry saying what was purged, how many, who asked and
 * who approved. It re-checks the request itself, so a job queued by any other path does
 * nothing unless the request is approved by another token. Running it twice deletes
 * nothing more (the records are gone), so a retry is safe.
 */
export const purgeDatabaseObjects = defineJob({
  type: 'purge-database-objects',
  describe: 'Purge audit or key-activity records older than a date, as an approved request says',
  params: Type.Object(
    { requestId: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 60 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  idempotent: true,
  async run(params, ctx) {
    const req = await ctx.store.purgeRequests.get(params.requestId);
    if (!req)
      throw notFound(`no purge request ${params.requestId}`, {
        details: { field: 'requestId', value: params.requestId },
      });
    if (req.state === 'done') return { requestId: req.id, purged: req.purged, already: true };
    if (req.state !== 'approved')
      throw conflict(
        `purge request ${req.id} is ${req.state}: only an approved request is carried out`,
      );
    if (!req.decidedByToken || req.decidedByToken === req.requestedByToken)
      throw forbidden(`purge request ${req.id} was not approved by a second admin`);
    // A failure leaves the request approved: the job retries, and an operator can retry it
    // again (POST /api/v1/jobs/:id/retry) once the cause is fixed.
    const purged = await purgeObjects(ctx.store, ctx.config, req.kind, req.before, () => ctx.now());
    // The entry is written after the purge and dated now, so the purge never takes it.
    await ctx.store.audit.append({
      at: ctx.now(),
      actor: req.decidedBy ?? ctx.job.createdBy,
      action: 'purge.done',
      subject: req.id,
      details: {
        kind: req.kind,
        before: new Date(req.before).toISOString(),
        purged,
        requestedBy: req.requestedBy,
        approvedBy: req.decidedBy,
        reason: req.reason,
        jobId: ctx.job.id,
      },
    });
    await ctx.store.purgeRequests.finish(req.id, {
      state: 'done',
      purged,
      error: null,
      at: ctx.now(),
    });
    return { requestId: req.id, kind: req.kind, purged };
  },
});
