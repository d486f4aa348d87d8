import type { Collection, Filter } from 'mongodb';
import type { Page } from '../store';

/**
 * Newest first by `_id` (ids are time-ordered); the cursor is the last id returned.
 * One extra document is read to know whether another page exists.
 */
export async function listPage<D extends { _id: string }, T extends { id: string }>(
  coll: Collection<D>,
  filter: Filter<D>,
  page: { limit: number; after?: string },
  map: (d: D) => T,
): Promise<Page<T>> {
  const where = (
    page.after === undefined ? filter : { $and: [filter, { _id: { $lt: page.after } }] }
  ) as Filter<D>;
  const docs = (await coll
    .find(where, { sort: { _id: -1 }, limit: page.limit + 1 })
    .toArray()) as D[];
  const items = docs.slice(0, page.limit).map(map);
  const last = items[items.length - 1];
  return { items, nextCursor: docs.length > page.limit && last ? last.id : null };
}
