/** Key quarantines and export cursors (migration 49). */
import type { Db, Filter } from 'mongodb';
import type {
  ExportCursorRecord,
  ExportCursorRepository,
  KeyQuarantineRecord,
  KeyQuarantineRepository,
} from '../retirement-records';
import { isDuplicateKey, upsertRetried } from './collections';
import { guarded } from './translate-errors';

type QuarantineDoc = Omit<KeyQuarantineRecord, 'id'> & { _id: string };
type CursorDoc = Omit<ExportCursorRecord, 'sinkId'> & { _id: string };

const toQuarantine = ({ _id, ...d }: QuarantineDoc): KeyQuarantineRecord => ({ id: _id, ...d });

function quarantines(db: Db): KeyQuarantineRepository {
  const c = db.collection<QuarantineDoc>('key_quarantines');
  const get = async (id: string) => {
    const doc = await c.findOne({ _id: id });
    return doc ? toQuarantine(doc) : null;
  };
  return {
    begin: async ({ id, ...rec }) => {
      try {
        await c.insertOne({ _id: id, ...rec });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // An ended record is replaced by a new quarantine; an active one stays as it is.
        await c.updateOne({ _id: id, state: { $in: ['restored', 'deleted'] } }, { $set: rec });
      }
      return (await get(id)) as KeyQuarantineRecord;
    },
    get,
    list: async (f) => {
      const q: Filter<QuarantineDoc> = {};
      if (f.fingerprint !== undefined) q.fingerprint = f.fingerprint;
      if (f.hostId !== undefined) q.hostId = f.hostId;
      if (f.state) q.state = { $in: f.state };
      if (f.watchEndedBefore !== undefined) q.watchUntil = { $lt: f.watchEndedBefore };
      return (await c.find(q).sort({ _id: 1 }).toArray()).map(toQuarantine);
    },
    setState: async (id, from, state, now, by) => {
      const doc = await c.findOneAndUpdate(
        { _id: id, state: { $in: from } },
        { $set: { state, updatedAt: now, by } },
        { returnDocument: 'after' },
      );
      return doc ? toQuarantine(doc) : null;
    },
  };
}

function cursors(db: Db): ExportCursorRepository {
  const c = db.collection<CursorDoc>('export_cursors');
  const leases = db.collection<{
    _id: string;
    sinkId: string;
    epoch: number;
    holder: string;
    takenAt: number;
  }>('export_leases');
  const toCursor = ({ _id, ...d }: CursorDoc): ExportCursorRecord => ({ sinkId: _id, ...d });
  return {
    get: async (sinkId) => {
      const doc = await c.findOne({ _id: sinkId });
      return doc ? toCursor(doc) : null;
    },
    put: async ({ sinkId, ...rec }) => {
      await upsertRetried(() => c.replaceOne({ _id: sinkId }, rec, { upsert: true }));
    },
    list: async () => (await c.find({}).sort({ _id: 1 }).toArray()).map(toCursor),
    // A unique _id insert decides the holder (atomic on every MongoDB-compatible server).
    takeLease: async (sinkId, epoch, holder, now) => {
      const id = `${sinkId}|${epoch}`;
      try {
        await leases.insertOne({ _id: id, sinkId, epoch, holder, takenAt: now });
        return true;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        return (await leases.findOne({ _id: id }))?.holder === holder;
      }
    },
    dropLeases: async (sinkId, before) => {
      await leases.deleteMany({ sinkId, epoch: { $lt: before } });
    },
    releaseLeases: async (sinkId, holder) => {
      await leases.deleteMany({ sinkId, holder });
    },
  };
}

export const mongoRetirementExport = (db: Db) => ({
  keyQuarantines: guarded('keyQuarantines', quarantines(db)),
  exportCursors: guarded('exportCursors', cursors(db)),
});
