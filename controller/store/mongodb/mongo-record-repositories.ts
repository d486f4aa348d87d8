/** Workers and tokens: plain records keyed by id. */
import type { TokenRecord, WorkerRecord } from '../records';
import type { TokenRepository, WorkerRepository } from '../store';
import { isDuplicateKey, type Collections, type TokenDoc, type WorkerDoc } from './collections';

const toWorker = ({ _id, ...w }: WorkerDoc): WorkerRecord => ({ id: _id, ...w });
const toToken = ({ _id, ...t }: TokenDoc): TokenRecord => ({ id: _id, ...t });

export function mongoWorkerRepository(c: Collections): WorkerRepository {
  return {
    /** A known worker only has its heartbeat refreshed, as the SQLite store does. */
    upsert: async (w) => {
      const { id, ...rest } = w;
      try {
        await c.workers.insertOne({ _id: id, ...rest });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await c.workers.updateOne({ _id: id }, { $set: { heartbeatAt: w.heartbeatAt } });
      }
    },
    heartbeat: async (id, now) => {
      await c.workers.updateOne({ _id: id }, { $set: { heartbeatAt: now } });
    },
    list: async () => (await c.workers.find({}, { sort: { _id: 1 } }).toArray()).map(toWorker),
    remove: async (id) => {
      await c.workers.deleteOne({ _id: id });
    },
    removeStale: async (before) => {
      const stale = await c.workers.distinct('_id', { heartbeatAt: { $lt: before } });
      if (stale.length === 0) return [];
      // The condition is repeated: a worker that beat meanwhile stays.
      await c.workers.deleteMany({ _id: { $in: stale }, heartbeatAt: { $lt: before } });
      const left = new Set(await c.workers.distinct('_id', { _id: { $in: stale } }));
      return stale.filter((id) => !left.has(id)).sort();
    },
  };
}

export function mongoTokenRepository(c: Collections): TokenRepository {
  const one = async (id: string) => {
    const doc = await c.tokens.findOne({ _id: id });
    return doc ? toToken(doc) : null;
  };
  return {
    create: async (t) => {
      const { id, ...rest } = t;
      await c.tokens.insertOne({ _id: id, ...rest });
    },
    findBySecretHash: async (hash) => {
      const doc = await c.tokens.findOne({ secretHash: hash });
      return doc ? toToken(doc) : null;
    },
    get: one,
    list: async () => (await c.tokens.find({}, { sort: { _id: 1 } }).toArray()).map(toToken),
    /** The first revocation time is kept. */
    revoke: async (id, now) => {
      await c.tokens.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: now } });
      return one(id);
    },
    count: () => c.tokens.countDocuments({}),
  };
}
