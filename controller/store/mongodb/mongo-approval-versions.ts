/**
 * Compare-and-set of approval requests on servers that do not update atomically.
 *
 * FerretDB (v1, as the tests run it) serves `updateOne` and `findOneAndUpdate` by reading
 * the matching documents, applying the update in memory and writing each back by `_id`:
 * the filter is honoured when read, not when written. Two updates filtered on
 * `state: 'pending'` (or on a version number) can both match and both write, the later
 * write silently undoing the earlier. What such a server does make atomic is a unique
 * `_id` insert, as the job claims rely on (collections.ts, ClaimDoc).
 *
 * So each change of a request is first claimed as its next version: an insert of
 * `${id}@${version}` into `approval_request_versions`, holding the whole new record. Of two
 * writers that read the same version exactly one inserts the next; the other re-reads and
 * sees the winner's state. The claimed version is the truth; the request document is
 * brought up to it right after, and any reader that finds a newer claim than the document
 * rolls the document forward first (the writer may have stopped between the two writes,
 * or a late write of an older version may have landed over a newer one on such a server).
 */
import type { Collection } from 'mongodb';
import type { ApprovalRequestRecord } from '../approval-records';
import { isDuplicateKey } from './collections';

export type RequestDoc = Omit<ApprovalRequestRecord, 'id'> & { _id: string };
export interface VersionDoc {
  _id: string;
  requestId: string;
  version: number;
  record: Omit<RequestDoc, '_id'>;
}

export const fromRequest = ({ _id, ...rest }: RequestDoc): ApprovalRequestRecord => ({
  id: _id,
  ...rest,
});
const versionOf = (d: { version?: number }): number => d.version ?? 0;
const claimId = (id: string, version: number) => `${id}@${version}`;
/** A change that lost its claim this many times in a row gives up (it never should). */
const MAX_ATTEMPTS = 100;

export function approvalRequestVersions(
  requests: Collection<RequestDoc>,
  versions: Collection<VersionDoc>,
) {
  /** Writes the claimed record over any older version of the document. */
  const bringUp = async (id: string, record: Omit<RequestDoc, '_id'>): Promise<void> => {
    await requests.replaceOne(
      {
        _id: id,
        $or: [{ version: { $exists: false } }, { version: { $lt: versionOf(record) } }],
      },
      record,
    );
  };

  /** The document rolled forward to the newest claimed version. */
  const current = async (doc: RequestDoc): Promise<RequestDoc> => {
    let latest = doc;
    for (;;) {
      const next = await versions.findOne({ _id: claimId(doc._id, versionOf(latest) + 1) });
      if (!next) break;
      latest = { _id: doc._id, ...next.record };
    }
    if (latest !== doc) await bringUp(doc._id, strip(latest));
    return latest;
  };

  return {
    async get(id: string): Promise<RequestDoc | null> {
      const doc = await requests.findOne({ _id: id });
      return doc ? current(doc) : null;
    },

    /** A page of documents, each rolled forward when a newer version was claimed. */
    async rollForward(docs: RequestDoc[]): Promise<RequestDoc[]> {
      if (docs.length === 0) return docs;
      const ahead = await versions
        .find({ _id: { $in: docs.map((d) => claimId(d._id, versionOf(d) + 1)) } })
        .project<{ requestId: string }>({ requestId: 1 })
        .toArray();
      if (ahead.length === 0) return docs;
      const stale = new Set(ahead.map((a) => a.requestId));
      return Promise.all(docs.map((d) => (stale.has(d._id) ? current(d) : d)));
    },

    /**
     * Applies `change` to the request as it is now, as one compare-and-set: returns the
     * record written, or null when there is no request or `change` declines (null).
     */
    async change(
      id: string,
      change: (cur: ApprovalRequestRecord) => ApprovalRequestRecord | null,
    ): Promise<ApprovalRequestRecord | null> {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const doc = await this.get(id);
        if (!doc) return null;
        const next = change(fromRequest(doc));
        if (!next) return null;
        const version = versionOf(doc) + 1;
        const { id: _id, ...record } = { ...next, version };
        try {
          await versions.insertOne({ _id: claimId(id, version), requestId: id, version, record });
        } catch (err) {
          if (isDuplicateKey(err)) continue; // another change won this version: look again
          throw err;
        }
        await bringUp(id, record);
        return { id, ...record };
      }
      throw new Error(`approval request ${id}: no change won after ${MAX_ATTEMPTS} attempts`);
    },
  };
}

const strip = ({ _id: _unused, ...rest }: RequestDoc): Omit<RequestDoc, '_id'> => rest;
