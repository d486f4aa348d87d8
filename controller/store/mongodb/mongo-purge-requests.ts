/**
 * Purge requests and the reverse DNS cache in MongoDB. A decision is a conditional update
 * on `state: 'pending'`; FerretDB does not make that atomic, so the purge job is also
 * queued under a dedupe key per request (see api/purge-request-routes.ts).
 */
import type { Db, Filter } from 'mongodb';
import { newId } from '../ids';
import type {
  PurgeRequestRecord,
  PurgeRequestRepository,
  ReverseDnsRecord,
  ReverseDnsRepository,
} from '../reporting-store';
import { listPage } from './page';

type PurgeDoc = Omit<PurgeRequestRecord, 'id'> & { _id: string };
const toPurge = ({ _id, ...r }: PurgeDoc): PurgeRequestRecord => ({ id: _id, ...r });

export function mongoPurgeRequestRepository(db: Db): PurgeRequestRepository {
  const c = db.collection<PurgeDoc>('purge_requests');
  const get = async (id: string) => {
    const doc = await c.findOne({ _id: id });
    return doc ? toPurge(doc) : null;
  };
  return {
    create: async (r) => {
      const doc: PurgeDoc = {
        _id: newId(r.requestedAt),
        ...r,
        state: 'pending',
        decidedBy: null,
        decidedByToken: null,
        decidedAt: null,
        jobId: null,
        purged: null,
        error: null,
        finishedAt: null,
      };
      await c.insertOne(doc);
      return toPurge(doc);
    },
    get,
    list: (f, p) => {
      const q: Filter<PurgeDoc> = {};
      if (f.state !== undefined) q.state = { $in: f.state };
      return listPage(c, q, p, toPurge);
    },
    decide: async (id, d) => {
      const res = await c.updateOne(
        { _id: id, state: 'pending' },
        { $set: { state: d.state, decidedBy: d.by, decidedByToken: d.byToken, decidedAt: d.at } },
      );
      return res.modifiedCount === 1 ? get(id) : null;
    },
    setJob: async (id, jobId) => {
      await c.updateOne({ _id: id }, { $set: { jobId } });
    },
    finish: async (id, e) => {
      const res = await c.updateOne(
        { _id: id, state: 'approved' },
        { $set: { state: e.state, purged: e.purged, error: e.error, finishedAt: e.at } },
      );
      return res.modifiedCount === 1 ? get(id) : null;
    },
  };
}

type DnsDoc = Omit<ReverseDnsRecord, 'address'> & { _id: string };

export function mongoReverseDnsRepository(db: Db): ReverseDnsRepository {
  const c = db.collection<DnsDoc>('reverse_dns');
  return {
    put: async (records) => {
      if (records.length === 0) return;
      await c.bulkWrite(
        records.map(({ address, ...r }) => ({
          replaceOne: { filter: { _id: address }, replacement: r, upsert: true },
        })),
        { ordered: false },
      );
    },
    get: async (addresses) => {
      const out: ReverseDnsRecord[] = [];
      for (let i = 0; i < addresses.length; i += 500) {
        const docs = await c.find({ _id: { $in: addresses.slice(i, i + 500) } }).toArray();
        for (const { _id, ...r } of docs) out.push({ address: _id, ...r });
      }
      return out;
    },
  };
}
