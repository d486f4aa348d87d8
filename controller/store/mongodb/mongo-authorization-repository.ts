/**
 * Authorizations and placements in MongoDB. An authorization is one document; a placement
 * is one document with `_id` `${authorizationId}|${hostId}`, replaced whole. A state change
 * is one conditional single-document update. On a server whose updates are not atomic
 * (FerretDB) two racing removals may both win: each then queues the same idempotent
 * removal, so the host ends the same.
 */
import type { Db, Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import type { AuthorizationRecord, PlacementRecord } from '../authorization-records';
import type { AuthorizationRepository } from '../authorization-store';
import { isDuplicateKey, upsertRetried } from './collections';
import { listPage } from './page';
import { guarded } from './translate-errors';

type AuthorizationDoc = Omit<AuthorizationRecord, 'id'> & { _id: string };
type PlacementDoc = PlacementRecord & { _id: string };

const toAuthorization = ({ _id, ...r }: AuthorizationDoc): AuthorizationRecord => ({
  id: _id,
  ...r,
});
const toPlacement = ({ _id: _unused, ...r }: PlacementDoc): PlacementRecord => r;

export function mongoAuthorizationRepository(db: Db): AuthorizationRepository {
  const authz = db.collection<AuthorizationDoc>('authorizations');
  const placements = db.collection<PlacementDoc>('authorization_placements');
  const get = async (id: string) => {
    const doc = await authz.findOne({ _id: id });
    return doc ? toAuthorization(doc) : null;
  };
  return guarded('authorizations', {
    create: async ({ id, ...rest }) => {
      try {
        await authz.insertOne({ _id: id, ...rest });
      } catch (cause) {
        if (isDuplicateKey(cause))
          throw conflict(`an authorization with id ${id} exists`, { cause, details: { id } });
        throw cause;
      }
      return (await get(id)) as AuthorizationRecord;
    },
    get,
    list: async (f, page) => {
      const filter: Filter<AuthorizationDoc> = {};
      if (f.state) filter.state = { $in: f.state };
      if (f.fingerprint !== undefined) filter.fingerprint = f.fingerprint;
      if (f.account !== undefined) filter.account = f.account;
      if (f.hostId !== undefined) (filter as Record<string, unknown>)['target.hostId'] = f.hostId;
      if (f.groupId !== undefined)
        (filter as Record<string, unknown>)['target.groupId'] = f.groupId;
      return listPage(authz, filter, page, toAuthorization);
    },
    transition: async (id, from, to, now) => {
      const before = await get(id);
      if (!before || !from.includes(before.state)) return null;
      const final = to.state === 'removed' || to.state === 'expired';
      const res = await authz.updateOne(
        { _id: id, state: before.state },
        {
          $set: {
            state: to.state,
            updatedAt: now,
            ...(final && before.removedBy === null && to.by !== undefined
              ? { removedBy: to.by }
              : {}),
            ...(final && before.removedAt === null ? { removedAt: now } : {}),
          },
        },
      );
      return res.modifiedCount === 1 ? get(id) : null;
    },
    putPlacement: async (p) => {
      const _id = `${p.authorizationId}|${p.hostId}`;
      await upsertRetried(() => placements.replaceOne({ _id }, { ...p }, { upsert: true }));
    },
    putPlacements: async (ps) => {
      if (ps.length === 0) return;
      await placements.bulkWrite(
        ps.map((p) => ({
          replaceOne: {
            filter: { _id: `${p.authorizationId}|${p.hostId}` },
            replacement: { ...p },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    },
    getPlacement: async (authorizationId, hostId) => {
      const doc = await placements.findOne({ _id: `${authorizationId}|${hostId}` });
      return doc ? toPlacement(doc) : null;
    },
    listPlacements: async (f) => {
      const filter: Filter<PlacementDoc> = {};
      if (f.state) filter.state = { $in: f.state };
      if (f.authorizationId !== undefined) filter.authorizationId = f.authorizationId;
      if (f.hostId !== undefined) filter.hostId = f.hostId;
      if (f.account !== undefined) filter.account = f.account;
      if (f.fingerprint !== undefined) filter.fingerprint = f.fingerprint;
      const docs = await placements.find(filter, { sort: { hostId: 1, authorizationId: 1 } });
      return (await docs.toArray()).map(toPlacement);
    },
  } satisfies AuthorizationRepository);
}
