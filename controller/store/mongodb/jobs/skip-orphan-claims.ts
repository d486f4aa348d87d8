import type { ClaimRequest } from '../../store';
import type { Collections } from '../collections';

interface Lost {
  _id: string;
  claims: number;
}

export const claimDocId = (jobId: string, claims: number) => `${jobId}:${claims + 1}`;

/**
 * A claim is two writes: the claim document, then the job. A worker that stopped between
 * them left a claim document that names the job's next claim, so every later claimer
 * collides with it and the job would stay queued for ever. Among the jobs this claimer
 * lost, those whose colliding document outlived its lease while the job is still queued
 * at the same claim count are moved past it: their claim counter advances, so the next
 * claim inserts a fresh document and a unique insert still decides who wins. Nothing is
 * deleted, so a racing claimer can never remove a live claim (FerretDB deletes and
 * updates by `_id` after its read). A worker that wakes after its lease finds the count
 * moved on and leaves the job alone, as its update requires the old count.
 * Returns the ids of the jobs that can be claimed again now.
 */
export async function skipOrphanClaims(
  c: Collections,
  req: ClaimRequest,
  lost: Lost[],
): Promise<string[]> {
  if (lost.length === 0) return [];
  const docs = await c.jobClaims
    .find({ _id: { $in: lost.map((j) => claimDocId(j._id, j.claims)) } })
    .toArray();
  // A document from before claims carried their lease is judged by this claimer's lease.
  const orphaned = new Set(
    docs.filter((d) => (d.leaseUntil ?? d.at + req.leaseMs) < req.now).map((d) => d._id),
  );
  const freed: string[] = [];
  for (const j of lost) {
    if (!orphaned.has(claimDocId(j._id, j.claims))) continue;
    const r = await c.jobs.updateOne(
      { _id: j._id, state: 'queued', claims: j.claims },
      { $set: { claims: j.claims + 1 } },
    );
    if (r.matchedCount === 1) freed.push(j._id);
  }
  return freed;
}
