import type { JobLease } from '../../store';
import type { Collections } from '../collections';
import { completeJob } from './finish-job';

/**
 * Group completion: the conditional writes go out at once over the connection pool, each
 * its own single-document command. Not one bulk write: FerretDB keeps a read cursor open
 * for every statement of an update command until the command ends, so a few concurrent
 * bulk updates of 50 exhaust its 100 SQLite connections and every client hangs.
 */
export function completeJobs(
  c: Collections,
  items: Array<{ lease: JobLease; result: unknown }>,
  now: number,
): Promise<boolean[]> {
  return Promise.all(items.map((i) => completeJob(c, i.lease, i.result, now)));
}
