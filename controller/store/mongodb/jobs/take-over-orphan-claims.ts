import type { ClaimRequest } from '../../store';
import type { ClaimDoc, Collections } from '../collections';
import { insertWinners } from '../insert-winners';

interface Lost {
  _id: string;
  claims: number;
}

/** The claim document for a job's next claim (`claims + 1`); takeovers add `~N`. */
export const claimDocId = (jobId: string, claims: number, takeover = 0) =>
  `${jobId}:${claims + 1}${takeover > 0 ? `~${takeover}` : ''}`;

/**
 * A claim is two writes: the claim document, then the job. A worker that stopped between
 * them left a document naming the job's next claim, and every later claimer would
 * collide with it while the job stays queued for ever. For the jobs this claimer lost,
 * a colliding document whose lease has passed is taken over by inserting the next
 * document of its chain (`${jobId}:${n}~1`, `~2`, ... should a taker crash too): the
 * unique insert still decides the one winner, which then updates the job exactly as a
 * first claim does. Nothing else is written (no delete, no job update by losers), so no
 * write of a claimer racing here can undo another's claim, even where updates are not
 * atomic (FerretDB). A worker that wakes after its lease to apply its orphaned claim may
 * still do so; its lease has passed, so it gives the job up at once (lease-keeper.ts).
 * Returns the lost jobs this claimer has now won.
 */
export async function takeOverOrphanClaims<J extends Lost>(
  c: Collections,
  req: ClaimRequest,
  lost: J[],
): Promise<J[]> {
  if (lost.length === 0) return [];
  const docs = await c.jobClaims.find({ jobId: { $in: lost.map((j) => j._id) } }).toArray();
  const takeovers: Array<{ job: J; doc: ClaimDoc }> = [];
  for (const job of lost) {
    const base = claimDocId(job._id, job.claims);
    const chain = docs.filter((d) => d._id === base || d._id.startsWith(`${base}~`));
    if (chain.length === 0) continue; // the collision was with a claim since purged
    const last = chain.reduce((a, b) => (takeoverOf(b._id) > takeoverOf(a._id) ? b : a));
    // A document from before claims carried their lease is judged by this claimer's lease.
    if ((last.leaseUntil ?? last.at + req.leaseMs) >= req.now) continue; // a live claim
    takeovers.push({
      job,
      doc: {
        _id: claimDocId(job._id, job.claims, takeoverOf(last._id) + 1),
        jobId: job._id,
        workerId: req.workerId,
        at: req.now,
        leaseUntil: req.now + req.leaseMs,
      },
    });
  }
  const won = await insertWinners(
    c.jobClaims,
    takeovers.map((t) => t.doc),
  );
  return takeovers.filter((_, i) => won.has(i)).map((t) => t.job);
}

const takeoverOf = (id: string) => {
  const i = id.lastIndexOf('~');
  return i < 0 ? 0 : Number(id.slice(i + 1));
};
