/**
 * People, LDAP settings, access groups and access grants in MongoDB. Every write is a
 * whole-document replace by `_id` (one writer each: the ldap-sync robot for people, the
 * access-groups-processing robot for grants), so FerretDB's non-atomic updates cannot race.
 */
import type { Collection, Db, Document, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { conflict } from '../../../shared/errors';
import type {
  AccessGrantRecord,
  AccessGrantWindowClaim,
  AccessGroupRecord,
  LdapSettingsRecord,
  PersonRecord,
} from '../directory-records';
import type { DirectoryRepository } from '../directory-store';
import { isDuplicateKey, upsertRetried } from './collections';
import { mongoDirectoryLinks } from './mongo-directory-links';
import { guarded } from './translate-errors';

type Doc<T extends { id: string }> = Omit<T, 'id'> & { _id: string };
type LdapDoc = LdapSettingsRecord & { _id: 'ldap' };

const fromDoc = <T extends { id: string }>({ _id, ...rest }: Doc<T>): T =>
  ({ id: _id, ...rest }) as unknown as T;
const toDoc = <T extends { id: string }>({ id, ...rest }: T): Doc<T> =>
  ({ _id: id, ...rest }) as unknown as Doc<T>;

async function insertOnce<T extends Document>(
  coll: Collection<T>,
  doc: OptionalUnlessRequiredId<T>,
): Promise<boolean> {
  try {
    await coll.insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

export function mongoDirectoryRepository(db: Db): DirectoryRepository {
  const settings = db.collection<LdapDoc>('ldap_settings');
  const people = db.collection<Doc<PersonRecord>>('people');
  const groups = db.collection<Doc<AccessGroupRecord>>('access_groups');
  const grants = db.collection<Doc<AccessGrantRecord>>('access_grants');
  const windowClaims = db.collection<Doc<AccessGrantWindowClaim>>('access_grant_window_claims');
  return guarded('directory', {
    ...mongoDirectoryLinks(db),
    getLdap: async () => {
      const doc = await settings.findOne({ _id: 'ldap' });
      if (!doc) return null;
      const { _id: _unused, ...rest } = doc;
      return rest;
    },
    putLdap: async (s) => {
      await upsertRetried(() => settings.replaceOne({ _id: 'ldap' }, { ...s }, { upsert: true }));
    },
    putPerson: async (p) => {
      await upsertRetried(() => people.replaceOne({ _id: p.id }, toDoc(p), { upsert: true }));
    },
    getPerson: async (id) => {
      const doc = await people.findOne({ _id: id });
      return doc ? fromDoc<PersonRecord>(doc) : null;
    },
    listPeople: async (filter = {}) =>
      (
        await people
          .find(filter.state ? { state: filter.state } : {})
          .sort({ name: 1, _id: 1 })
          .toArray()
      ).map((d) => fromDoc<PersonRecord>(d)),
    addAccessGroup: async (g) => {
      try {
        await groups.insertOne(toDoc(g));
      } catch (err) {
        if (isDuplicateKey(err))
          throw conflict(`an access group ${g.id} exists`, { details: { id: g.id } });
        throw err;
      }
      return g;
    },
    getAccessGroup: async (id) => {
      const doc = await groups.findOne({ _id: id });
      return doc ? fromDoc<AccessGroupRecord>(doc) : null;
    },
    listAccessGroups: async () =>
      (await groups.find({}).sort({ _id: 1 }).toArray()).map((d) => fromDoc<AccessGroupRecord>(d)),
    replaceAccessGroup: async (g) =>
      (await groups.replaceOne({ _id: g.id }, toDoc(g))).matchedCount > 0,
    removeAccessGroup: async (id) => (await groups.deleteOne({ _id: id })).deletedCount > 0,
    putGrant: async (g) => {
      await upsertRetried(() => grants.replaceOne({ _id: g.id }, toDoc(g), { upsert: true }));
    },
    listGrants: async (filter = {}) => {
      const q: Filter<Doc<AccessGrantRecord>> = {};
      if (filter.accessGroupId !== undefined) q.accessGroupId = filter.accessGroupId;
      if (filter.personId !== undefined) q.personId = filter.personId;
      return (await grants.find(q).sort({ _id: 1 }).toArray()).map((d) =>
        fromDoc<AccessGrantRecord>(d),
      );
    },
    removeGrant: async (id) => (await grants.deleteOne({ _id: id })).deletedCount > 0,
    // Claims are inserts, never conditional updates: an insert of an existing _id fails
    // atomically on every MongoDB-compatible server (FerretDB's updates are not atomic).
    claimGrant: async (g) => insertOnce(grants, toDoc(g)),
    claimGrantWindow: async (c) => insertOnce(windowClaims, toDoc(c)),
    pruneGrantWindowClaims: async (before) =>
      (await windowClaims.deleteMany({ windowEndsAt: { $lt: before } })).deletedCount,
  });
}
