import { JOB_STATES, type JobRecord, type JobState } from '../../records';
import { ACTIVE_STATES, json, toJobRecord, type Collections } from '../collections';

export async function countChildren(
  c: Collections,
  parentId: string,
): Promise<Record<JobState, number>> {
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const rows = await c.jobs
    .aggregate<{ _id: JobState; n: number }>([
      { $match: { parentId } },
      { $group: { _id: '$state', n: { $sum: 1 } } },
    ])
    .toArray();
  for (const r of rows) counts[r._id] = r.n;
  return counts;
}

/** Completes the parent only while it awaits and no child is active; the result counts them. */
export async function finishParentIfDone(
  c: Collections,
  parentId: string,
  now: number,
): Promise<JobRecord | null> {
  const counts = await countChildren(c, parentId);
  if (counts.queued > 0 || counts.running > 0) return null;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const doc = await c.jobs.findOneAndUpdate(
    { _id: parentId, state: 'running', awaitingChildren: true },
    {
      $set: {
        state: 'completed',
        awaitingChildren: false,
        finishedAt: now,
        result: json({ children: { ...counts, total } }),
      },
    },
    { returnDocument: 'after' },
  );
  return doc ? toJobRecord(doc) : null;
}

/** Parents awaiting children with none active, walked in pages so busy parents don't hide them. */
export async function listParentsReadyToFinish(c: Collections, limit: number): Promise<string[]> {
  const ready: string[] = [];
  let after: string | undefined;
  while (ready.length < limit) {
    const parents = await c.jobs
      .find(
        { awaitingChildren: true, state: 'running', ...(after ? { _id: { $gt: after } } : {}) },
        { sort: { _id: 1 }, limit: 200, projection: { _id: 1 } },
      )
      .toArray();
    if (parents.length === 0) break;
    after = parents[parents.length - 1]?._id;
    const ids = parents.map((p) => p._id);
    const busy = new Set(
      (await c.jobs.distinct('parentId', {
        parentId: { $in: ids },
        state: { $in: [...ACTIVE_STATES] },
      })) as string[],
    );
    ready.push(...ids.filter((id) => !busy.has(id)));
  }
  return ready.slice(0, limit);
}
