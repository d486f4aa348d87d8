import type { JobLease } from '../../store';
import { held, json, type Collections } from '../collections';

/**
 * Extends the lease of the attempt this worker holds, and tells it whether cancellation
 * was requested. A parent awaiting children holds no lease, so it is not renewed.
 */
export async function renewLease(
  c: Collections,
  lease: JobLease,
  leaseUntil: number,
  progress?: unknown,
): Promise<{ held: boolean; cancelRequested: boolean }> {
  const doc = await c.jobs.findOneAndUpdate(
    { ...held(lease), awaitingChildren: false },
    {
      $set: {
        leaseUntil,
        ...(progress === undefined || progress === null ? {} : { progress: json(progress) }),
      },
    },
    // No projection: FerretDB does not implement one on findAndModify.
    { returnDocument: 'after' },
  );
  return { held: doc !== null, cancelRequested: doc?.cancelRequested === true };
}
