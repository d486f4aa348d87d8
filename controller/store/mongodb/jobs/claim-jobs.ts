import type { JobLane, JobRecord } from '../../records';
import type { ClaimRequest } from '../../store';
import type { Filter } from 'mongodb';
import { toJobRecord, type ClaimDoc, type Collections, type JobDoc } from '../collections';
import { insertWinners } from '../insert-winners';
import { claimDocId, takeOverOrphanClaims } from './take-over-orphan-claims';

interface Candidate {
  _id: string;
  type: string;
  lane?: JobLane;
  priority: number;
  runAt: number;
  claims: number;
}

const byPriority = (a: Candidate | JobRecord, b: Candidate | JobRecord) =>
  b.priority - a.priority || a.runAt - b.runAt || (idOf(a) < idOf(b) ? -1 : 1);
const idOf = (x: Candidate | JobRecord) => ('_id' in x ? x._id : x.id);
const isBulk = (x: Candidate | JobRecord) => x.lane === 'bulk';
/** Normal jobs first: the order the engine launches them in. */
const laneThenPriority = (a: JobRecord, b: JobRecord) =>
  Number(isBulk(a)) - Number(isBulk(b)) || byPriority(a, b);
/** Jobs queued before lanes existed have no lane field: they are normal. */
const LANE_FILTER: Record<JobLane, object> = {
  normal: { lane: { $ne: 'bulk' } },
  bulk: { lane: 'bulk' },
};

/** Rounds of find-and-claim: losers of a round look further down the queue. */
const MAX_ROUNDS = 5;

/**
 * Claims due queued jobs in batches: normal-lane jobs first, then bulk-lane jobs in what is
 * left of `limit`, never more than `bulkLimit` of them. Which worker gets a job is decided by inserting its
 * claim document `${jobId}:${claims + 1}` (an `_id` insert is atomic on every server,
 * where a conditional update is not on FerretDB); only the winners' jobs are updated.
 * The claim counter never resets, so a stale read can only collide, never win twice.
 * A claim document whose worker stopped before updating its job is taken over once its
 * lease has passed (see take-over-orphan-claims.ts), so such a crash cannot strand the job.
 */
export async function claimJobs(c: Collections, req: ClaimRequest): Promise<JobRecord[]> {
  const free = new Map(Object.entries(req.capacity).filter(([, n]) => n > 0));
  const tried: string[] = [];
  const won: JobRecord[] = [];
  let bulkLeft = req.bulkLimit ?? Infinity;
  for (let round = 0; round < MAX_ROUNDS && won.length < req.limit; round++) {
    const want = req.limit - won.length;
    const normal = await findCandidates(c, req, 'normal', free, tried, want);
    // The bulk lane sees the capacity the normal candidates leave.
    const left = new Map(free);
    for (const j of normal) left.set(j.type, (left.get(j.type) ?? 0) - 1);
    const bulk = await findCandidates(
      c,
      req,
      'bulk',
      left,
      tried,
      Math.min(want - normal.length, bulkLeft),
    );
    const candidates = [...normal, ...bulk];
    if (candidates.length === 0) break;
    tried.push(...candidates.map((j) => j._id));
    const claimed = await claimCandidates(c, req, candidates);
    for (const j of claimed) free.set(j.type, (free.get(j.type) ?? 0) - 1);
    bulkLeft -= claimed.filter(isBulk).length;
    won.push(...claimed);
    if (claimed.length === candidates.length) break; // no contention: the queue gave its best
  }
  return won.sort(laneThenPriority);
}

async function findCandidates(
  c: Collections,
  req: ClaimRequest,
  lane: JobLane,
  free: Map<string, number>,
  tried: string[],
  want: number,
): Promise<Candidate[]> {
  if (want <= 0) return [];
  // One query for the types with due work, then a find per such type only: a find per
  // registered type (about 180) made every claim read the whole queue that many times on a
  // server without a usable index (FerretDB), about 1-2 CPU-s per claim at rest.
  const due: Filter<JobDoc> = {
    state: 'queued',
    ...LANE_FILTER[lane],
    runAt: { $lte: req.now },
    $or: [{ deadline: null }, { deadline: { $gt: req.now } }],
    ...(tried.length ? { _id: { $nin: tried } } : {}),
  };
  const queuedTypes = new Set((await c.jobs.distinct('type', due)) as string[]);
  const perType = await Promise.all(
    [...free].map(([type, n]) =>
      n <= 0 || !queuedTypes.has(type)
        ? []
        : (c.jobs
            .find(
              {
                ...due,
                type,
              },
              {
                sort: { priority: -1, runAt: 1, _id: 1 },
                limit: Math.min(n, want),
                projection: { _id: 1, type: 1, lane: 1, priority: 1, runAt: 1, claims: 1 },
              },
            )
            .toArray() as Promise<Candidate[]>),
    ),
  );
  return perType.flat().sort(byPriority).slice(0, want);
}

async function claimCandidates(
  c: Collections,
  req: ClaimRequest,
  candidates: Candidate[],
): Promise<JobRecord[]> {
  const docs: ClaimDoc[] = candidates.map((j) => ({
    _id: claimDocId(j._id, j.claims),
    jobId: j._id,
    workerId: req.workerId,
    at: req.now,
    leaseUntil: req.now + req.leaseMs,
  }));
  const wonIdx = await insertWinners(c.jobClaims, docs);
  const winners = [
    ...candidates.filter((_, i) => wonIdx.has(i)),
    ...(await takeOverOrphanClaims(
      c,
      req,
      candidates.filter((_, i) => !wonIdx.has(i)),
    )),
  ];
  if (winners.length === 0) return [];
  // Candidates nearly always share a claim count (0 for fresh jobs): one update per count.
  const byClaims = new Map<number, string[]>();
  for (const w of winners) byClaims.set(w.claims, [...(byClaims.get(w.claims) ?? []), w._id]);
  for (const [claims, ids] of byClaims) {
    await c.jobs.updateMany(
      { _id: { $in: ids }, state: 'queued', claims },
      {
        $set: {
          state: 'running',
          workerId: req.workerId,
          leaseUntil: req.now + req.leaseMs,
          startedAt: req.now,
          cancelRequested: false,
          progress: null,
        },
        $inc: { attempts: 1, claims: 1 },
      },
    );
  }
  // A job cancelled or expired between find and update was not moved: leave it out.
  const expected = new Map(winners.map((w) => [w._id, w.claims + 1]));
  const rows = await c.jobs.find({ _id: { $in: winners.map((w) => w._id) } }).toArray();
  return rows
    .filter(
      (d) =>
        d.state === 'running' && d.workerId === req.workerId && d.claims === expected.get(d._id),
    )
    .map(toJobRecord);
}
