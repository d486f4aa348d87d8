/**
 * At most one active holder per key (job and alert dedupe keys), decided by unique `_id`
 * inserts only. Servers such as FerretDB run a conditional update or delete as "read the
 * match, then write by _id", so two callers racing a conditional write can both win;
 * an insert of an existing `_id` fails atomically everywhere.
 *
 * - Taking a key: insert `{_id: key, holder}`. A duplicate means a holder exists.
 * - Releasing a key held by an ended holder: first insert `{_id: `${holder}/${key}`}`
 *   into the releases collection. Exactly one caller wins it and deletes the key
 *   document, so two releasers can never delete a newer holder's key by mistake.
 */
import type { Collection } from 'mongodb';
import { storeFailure } from '../../../shared/errors';
import { isDuplicateKey, type KeyDoc, type ReleaseDoc } from './collections';
import { insertWinners } from './insert-winners';

export interface SingletonKeys {
  keys: Collection<KeyDoc>;
  releases: Collection<ReleaseDoc>;
}

/** A key whose holder record never appeared (its creator died between two inserts). */
const MISSING_HOLDER_GRACE_MS = 5_000;
/** A release whose winner died before deleting the key. */
const STUCK_RELEASE_MS = 30_000;
const MAX_ROUNDS = 50;

export type TakeResult<T> = { taken: true } | { taken: false; holder: T };

/**
 * Takes `key` for `holder`, or returns the active record holding it. `load` reads a
 * holder's record and `isActive` says whether it still holds the key.
 */
export async function takeKey<T>(
  s: SingletonKeys,
  key: string,
  holder: string,
  load: (holder: string) => Promise<T | null>,
  isActive: (record: T) => boolean,
): Promise<TakeResult<T>> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      await s.keys.insertOne({ _id: key, holder, at: Date.now() });
      return { taken: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const doc = await s.keys.findOne({ _id: key });
    if (!doc) continue; // released meanwhile: try again
    if (doc.holder === holder) return { taken: true };
    const record = await load(doc.holder);
    if (record && isActive(record)) return { taken: false, holder: record };
    if (!record && Date.now() - doc.at < MISSING_HOLDER_GRACE_MS) {
      // Its creator inserts the key, then the record: give it a moment.
      await new Promise((r) => setTimeout(r, 10 + round * 5));
      continue;
    }
    await releaseKey(s, key, doc.holder);
  }
  throw storeFailure(`could not take the singleton key "${key}" after ${MAX_ROUNDS} rounds`, {
    details: { key },
  });
}

/** Frees `key` if `holder` (which has ended) still holds it. Safe to call more than once. */
export async function releaseKey(s: SingletonKeys, key: string, holder: string): Promise<void> {
  const releaseId = `${holder}/${key}`;
  try {
    await s.releases.insertOne({ _id: releaseId, key, holder, at: Date.now() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Someone else releases it; only if they died long ago do we finish their work.
    const other = await s.releases.findOne({ _id: releaseId });
    if (!other || Date.now() - other.at < STUCK_RELEASE_MS) return;
  }
  await s.keys.deleteOne({ _id: key, holder });
}

/**
 * Removes every trace of purged holders: their keys are released the safe way (release
 * document first), then the release documents go, since an ended holder never returns.
 */
export async function forgetHolders(
  s: SingletonKeys,
  held: Array<{ key: string; holder: string }>,
): Promise<void> {
  if (held.length === 0) return;
  const docs = held.map((h) => ({ _id: `${h.holder}/${h.key}`, ...h, at: Date.now() }));
  const won = await insertWinners(s.releases, docs);
  const pairs = held.filter((_, i) => won.has(i)).map((h) => ({ _id: h.key, holder: h.holder }));
  if (pairs.length) await s.keys.deleteMany({ $or: pairs });
  await s.releases.deleteMany({ _id: { $in: docs.map((d) => d._id) } });
}
