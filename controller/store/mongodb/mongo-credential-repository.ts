/**
 * Sealed host credentials in MongoDB: one document per (host, slot) with `_id`
 * `${hostId}:${slot}`, replaced whole, so a put is one single-document write.
 */
import type { Db } from 'mongodb';
import type {
  CredentialSlot,
  HostCredentialRecord,
  HostCredentialRepository,
} from '../credential-records';
import { guarded } from './translate-errors';
import { upsertRetried } from './collections';

type CredentialDoc = HostCredentialRecord & { _id: string };

const toRecord = ({ _id: _unused, ...rest }: CredentialDoc): HostCredentialRecord => rest;

export function mongoHostCredentialRepository(db: Db): HostCredentialRepository {
  const coll = db.collection<CredentialDoc>('host_credentials');
  const idOf = (hostId: string, slot: CredentialSlot) => `${hostId}:${slot}`;
  return guarded('hostCredentials', {
    put: async (rec) => {
      await upsertRetried(() =>
        coll.replaceOne({ _id: idOf(rec.hostId, rec.slot) }, { ...rec }, { upsert: true }),
      );
    },
    get: async (hostId, slot) => {
      const doc = await coll.findOne({ _id: idOf(hostId, slot) });
      return doc ? toRecord(doc) : null;
    },
    listForHost: async (hostId) =>
      (await coll.find({ hostId }).sort({ slot: 1 }).toArray()).map(toRecord),
    listByFingerprint: async (fingerprint) =>
      (await coll.find({ fingerprint }).sort({ hostId: 1, slot: 1 }).toArray()).map(toRecord),
    remove: async (hostId, slot) =>
      (await coll.deleteOne({ _id: idOf(hostId, slot) })).deletedCount > 0,
    removeHost: async (hostId) => (await coll.deleteMany({ hostId })).deletedCount,
  } satisfies HostCredentialRepository);
}
