/**
 * What ties the directory to the fleet in MongoDB: where the last sync left off, keys
 * attributed to people, fleet accounts matched to people, and admins' account mappings.
 * Whole-document replaces by `_id` (one writer each: ldap-sync, or an admin's request).
 */
import type { Db, Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import type {
  AccountMappingRecord,
  AccountOwnerRecord,
  DirectorySyncStateRecord,
  KeyOwnerRecord,
} from '../directory-records';
import type { DirectoryLinksRepository } from '../directory-store';
import { isDuplicateKey, upsertRetried } from './collections';

type Doc<T extends { id: string }> = Omit<T, 'id'> & { _id: string };
type KeyOwnerDoc = KeyOwnerRecord & { _id: string };
type StateDoc = DirectorySyncStateRecord & { _id: 'state' };

const fromDoc = <T extends { id: string }>({ _id, ...rest }: Doc<T>): T =>
  ({ id: _id, ...rest }) as unknown as T;
const toDoc = <T extends { id: string }>({ id, ...rest }: T): Doc<T> =>
  ({ _id: id, ...rest }) as unknown as Doc<T>;
const strip = <T>({ _id: _unused, ...rest }: T & { _id: unknown }): T => rest as T;

export function mongoDirectoryLinks(db: Db): DirectoryLinksRepository {
  const state = db.collection<StateDoc>('directory_sync_state');
  const keyOwners = db.collection<KeyOwnerDoc>('key_owners');
  const accountOwners = db.collection<Doc<AccountOwnerRecord>>('account_owners');
  const mappings = db.collection<Doc<AccountMappingRecord>>('account_mappings');
  const links: DirectoryLinksRepository = {
    getSyncState: async () => {
      const doc = await state.findOne({ _id: 'state' });
      return doc ? strip<DirectorySyncStateRecord>(doc) : null;
    },
    putSyncState: async (s) => {
      await upsertRetried(() => state.replaceOne({ _id: 'state' }, { ...s }, { upsert: true }));
    },
    putKeyOwner: async (o) => {
      await upsertRetried(() =>
        keyOwners.replaceOne({ _id: o.fingerprint }, { ...o }, { upsert: true }),
      );
    },
    removeKeyOwner: async (fp) => (await keyOwners.deleteOne({ _id: fp })).deletedCount > 0,
    getKeyOwner: async (fp) => {
      const doc = await keyOwners.findOne({ _id: fp });
      return doc ? strip<KeyOwnerRecord>(doc) : null;
    },
    listKeyOwners: async (filter = {}) =>
      (
        await keyOwners
          .find(filter.personId !== undefined ? { personId: filter.personId } : {})
          .sort({ _id: 1 })
          .toArray()
      ).map((d) => strip<KeyOwnerRecord>(d)),
    putAccountOwner: async (o) => {
      await upsertRetried(() =>
        accountOwners.replaceOne({ _id: o.id }, toDoc(o), { upsert: true }),
      );
    },
    removeAccountOwner: async (id) => (await accountOwners.deleteOne({ _id: id })).deletedCount > 0,
    listAccountOwners: async (filter = {}) => {
      const q: Filter<Doc<AccountOwnerRecord>> = {};
      if (filter.personId !== undefined) q.personId = filter.personId;
      if (filter.departed !== undefined) q.departed = filter.departed;
      return (await accountOwners.find(q).sort({ _id: 1 }).toArray()).map((d) =>
        fromDoc<AccountOwnerRecord>(d),
      );
    },
    addAccountMapping: async (m) => {
      try {
        await mappings.insertOne(toDoc(m));
      } catch (err) {
        if (isDuplicateKey(err))
          throw conflict(`an account mapping ${m.id} exists`, { details: { id: m.id } });
        throw err;
      }
      return m;
    },
    removeAccountMapping: async (id) => (await mappings.deleteOne({ _id: id })).deletedCount > 0,
    listAccountMappings: async () =>
      (await mappings.find({}).sort({ _id: 1 }).toArray()).map((d) =>
        fromDoc<AccountMappingRecord>(d),
      ),
  };
  return links;
}
