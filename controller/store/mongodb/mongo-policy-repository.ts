/**
 * Policies and their versions in MongoDB. Without transactions, the version document's
 * unique `_id` (policy id / version) decides which of two racing edits wins: the loser's
 * insert fails and it gets a CONFLICT before it touches the current record.
 */
import type { Db } from 'mongodb';
import { conflict } from '../../../shared/errors';
import type { PolicyInput, PolicyRecord } from '../policy-records';
import type { PolicyRepository } from '../policy-store';
import { isDuplicateKey } from './collections';

interface PolicyDoc {
  _id: string;
  version: number;
  removedAt: number | null;
  doc: string;
}
interface VersionDoc {
  _id: string;
  policyId: string;
  version: number;
  doc: string;
}

export function mongoPolicyRepository(db: Db): PolicyRepository {
  const policies = db.collection<PolicyDoc>('policies');
  const versions = db.collection<VersionDoc>('policy_versions');
  const get = async (id: string) => {
    const d = await policies.findOne({ _id: id });
    return d ? (JSON.parse(d.doc) as PolicyRecord) : null;
  };
  const keepVersion = async (rec: PolicyRecord) => {
    try {
      await versions.insertOne({
        _id: `${rec.id}/${rec.version}`,
        policyId: rec.id,
        version: rec.version,
        doc: JSON.stringify(rec),
      });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  };
  const fresh = (id: string, input: PolicyInput, by: string, now: number): PolicyRecord => ({
    id,
    ...input,
    version: 1,
    createdAt: now,
    updatedAt: now,
    updatedBy: by,
    removedAt: null,
  });
  const insert = async (rec: PolicyRecord) => {
    try {
      await policies.insertOne({
        _id: rec.id,
        version: 1,
        removedAt: null,
        doc: JSON.stringify(rec),
      });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    await keepVersion(rec);
    return true;
  };
  /** Writes `next` over version `from`; false when another edit took that version first. */
  const write = async (next: PolicyRecord, from: number) => {
    if (!(await keepVersion(next))) return false;
    const res = await policies.updateOne(
      { _id: next.id, version: from, removedAt: null },
      { $set: { version: next.version, removedAt: next.removedAt, doc: JSON.stringify(next) } },
    );
    return res.modifiedCount === 1;
  };
  return {
    create: async (id, input, by, now) => {
      const rec = fresh(id, input, by, now);
      if (!(await insert(rec))) throw conflict(`policy ${id} exists`, { details: { id } });
      return rec;
    },
    createIfAbsent: async (id, input, by, now) => insert(fresh(id, input, by, now)),
    get,
    list: async (opts) =>
      (
        await policies
          .find(opts?.includeRemoved ? {} : { removedAt: null })
          .sort({ _id: 1 })
          .toArray()
      ).map((d) => JSON.parse(d.doc) as PolicyRecord),
    update: async (id, input, expected, by, now) => {
      const current = await get(id);
      if (!current) return null;
      if (current.removedAt !== null)
        throw conflict(`policy ${id} was removed`, { details: { id } });
      const next: PolicyRecord = {
        ...current,
        ...input,
        version: current.version + 1,
        updatedAt: now,
        updatedBy: by,
      };
      if (current.version !== expected || !(await write(next, expected)))
        throw conflict(
          `policy ${id} is at version ${current.version}, not ${expected}: read it again`,
          { details: { id, version: current.version, expectedVersion: expected } },
        );
      return next;
    },
    remove: async (id, by, now) => {
      const current = await get(id);
      if (!current || current.removedAt !== null) return null;
      const next: PolicyRecord = {
        ...current,
        version: current.version + 1,
        updatedAt: now,
        updatedBy: by,
        removedAt: now,
      };
      return (await write(next, current.version)) ? next : null;
    },
    versions: async (id) =>
      (await versions.find({ policyId: id }).sort({ version: 1 }).toArray()).map(
        (d) => JSON.parse(d.doc) as PolicyRecord,
      ),
  };
}
