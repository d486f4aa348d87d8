import {
  MongoBulkWriteError,
  type Collection,
  type Document,
  type OptionalUnlessRequiredId,
} from 'mongodb';
import { isDuplicateKey } from './collections';

/**
 * Inserts all documents without stopping at the first duplicate and returns the indexes
 * of those that went in: each one whose `_id` was free is a decision this caller won.
 */
export async function insertWinners<T extends Document>(
  coll: Collection<T>,
  docs: Array<OptionalUnlessRequiredId<T>>,
): Promise<Set<number>> {
  const all = new Set(docs.map((_, i) => i));
  if (docs.length === 0) return all;
  try {
    await coll.insertMany(docs, { ordered: false });
    return all;
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError) || err.writeErrors === undefined) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    for (const e of errors) {
      if (!isDuplicateKey(e)) throw err;
      all.delete(e.index);
    }
    return all;
  }
}
