/**
 * Applications and their members in MongoDB. A member is one document keyed by
 * (application, host, account); a recompute upserts the new members under a fresh
 * generation, then deletes those of other generations, so no moment shows an empty
 * application (there is no transaction to swap them at once).
 */
import type { Db, Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import { newId } from '../ids';
import type { ApplicationRecord, ApplicationRepository, ApplicationRule } from '../reporting-store';
import { decodeMemberCursor, encodeMemberCursor } from '../member-cursor';
import { isDuplicateKey } from './collections';

interface AppDoc {
  _id: string;
  name: string;
  description: string;
  rules: string;
  createdAt: number;
  updatedAt: number;
  membersComputedAt: number | null;
}
interface MemberDoc {
  _id: string;
  applicationId: string;
  hostId: string;
  /** '' is the whole host. */
  account: string;
  generation: string;
}

const toApp = ({ _id, rules, ...a }: AppDoc): ApplicationRecord => ({
  id: _id,
  ...a,
  rules: JSON.parse(rules) as ApplicationRule[],
});

export function mongoApplicationRepository(db: Db): ApplicationRepository {
  const apps = db.collection<AppDoc>('applications');
  const members = db.collection<MemberDoc>('application_members');
  const get = async (id: string) => {
    const doc = await apps.findOne({ _id: id });
    return doc ? toApp(doc) : null;
  };
  // Names are unique by this check; the (name) index is not unique because FerretDB's
  // conditional writes could not keep a rename atomic anyway: two racing renames to one
  // name are an operator's mistake both stores report on the next read.
  const refuseTakenName = async (name: string, id: string) => {
    const other = await apps.findOne({ name, _id: { $ne: id } });
    if (other) throw conflict(`an application named ${name} exists`, { details: { name } });
  };
  return {
    create: async (app, now) => {
      await refuseTakenName(app.name, app.id);
      try {
        await apps.insertOne({
          _id: app.id,
          name: app.name,
          description: app.description,
          rules: JSON.stringify(app.rules),
          createdAt: now,
          updatedAt: now,
          membersComputedAt: null,
        });
      } catch (cause) {
        if (isDuplicateKey(cause))
          throw conflict(`an application with id ${app.id} exists`, { cause });
        throw cause;
      }
      return (await get(app.id)) as ApplicationRecord;
    },
    get,
    list: async () => (await apps.find({}, { sort: { name: 1 } }).toArray()).map(toApp),
    update: async (id, patch, now) => {
      if (patch.name !== undefined) await refuseTakenName(patch.name, id);
      const set: Partial<AppDoc> = { updatedAt: now };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.rules !== undefined) set.rules = JSON.stringify(patch.rules);
      const res = await apps.updateOne({ _id: id }, { $set: set });
      return res.matchedCount === 1 ? get(id) : null;
    },
    remove: async (id) => {
      await members.deleteMany({ applicationId: id });
      return (await apps.deleteOne({ _id: id })).deletedCount === 1;
    },
    setMembers: async (id, list, now) => {
      const generation = newId(now);
      for (let i = 0; i < list.length; i += 1000) {
        await members.bulkWrite(
          list.slice(i, i + 1000).map((m) => {
            const account = m.account ?? '';
            return {
              updateOne: {
                filter: { _id: `${id}|${m.hostId}|${account}` },
                update: { $set: { applicationId: id, hostId: m.hostId, account, generation } },
                upsert: true,
              },
            };
          }),
          { ordered: false },
        );
      }
      await members.deleteMany({ applicationId: id, generation: { $ne: generation } });
      await apps.updateOne({ _id: id }, { $set: { membersComputedAt: now } });
      return members.countDocuments({ applicationId: id });
    },
    listMembers: async (id, p) => {
      const filter: Filter<MemberDoc> = { applicationId: id };
      if (p.after !== undefined) {
        const [h, a] = decodeMemberCursor(p.after);
        filter.$or = [{ hostId: { $gt: h } }, { hostId: h, account: { $gt: a } }];
      }
      const docs = await members
        .find(filter, { sort: { hostId: 1, account: 1 }, limit: p.limit + 1 })
        .toArray();
      const items = docs
        .slice(0, p.limit)
        .map((d) => ({ hostId: d.hostId, account: d.account === '' ? null : d.account }));
      const last = docs[p.limit - 1];
      return {
        items,
        nextCursor:
          docs.length > p.limit && last ? encodeMemberCursor(last.hostId, last.account) : null,
      };
    },
    ofHost: async (hostId, account) => {
      const docs = await members
        .find(
          { hostId, account: { $in: ['', account ?? ''] } },
          { projection: { applicationId: 1 } },
        )
        .toArray();
      return [...new Set(docs.map((d) => d.applicationId))].sort();
    },
    membershipsOfHost: async (hostId) => {
      const docs = await members
        .find({ hostId }, { projection: { applicationId: 1, account: 1 } })
        .toArray();
      const seen = new Map(docs.map((d) => [`${d.account}|${d.applicationId}`, d]));
      return [...seen.values()]
        .map((d) => ({ account: d.account, applicationId: d.applicationId }))
        .sort((a, b) =>
          a.account === b.account
            ? a.applicationId.localeCompare(b.applicationId)
            : a.account.localeCompare(b.account),
        );
    },
  };
}
