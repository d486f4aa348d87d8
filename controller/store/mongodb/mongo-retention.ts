/**
 * The data archiver's view of the MongoDB store: the documents a retention rule matches,
 * as stored, and a delete restricted to the ids already archived. Each filter repeats the
 * purge it stands for (jobs/purge-ended.ts, the alert, audit, reporting, key-usage and
 * outbox purges); deleting a job or an alert also removes its claims, events and dedupe
 * keys, as those purges do.
 */
import type { Db, Filter } from 'mongodb';
import { FINAL_JOB_STATES } from '../records';
import { idFloorAt } from '../ids';
import type { ExpiredRecord, RetentionRepository, RetentionRule } from '../archive-store';
import { collections } from './collections';
import { forgetHolders } from './singleton-key';
import { jobKeys } from './jobs/job-keys';

/** Every collection here is keyed by a string `_id`. */
type AnyDoc = { _id: string; [field: string]: unknown };

function shapeOf(rule: RetentionRule): { collection: string; filter: Filter<AnyDoc> } {
  switch (rule.kind) {
    case 'jobs': {
      const states = (rule.states ?? FINAL_JOB_STATES).filter((s) => FINAL_JOB_STATES.includes(s));
      return {
        collection: 'jobs',
        filter: {
          state: { $in: states },
          finishedAt: { $ne: null, $lt: rule.before },
          ...(rule.types ? { type: { $in: rule.types } } : {}),
        },
      };
    }
    case 'alerts':
      return {
        collection: 'alerts',
        filter: { state: { $in: rule.states }, updatedAt: { $lt: rule.before } },
      };
    case 'audit':
      return {
        collection: 'audit',
        filter: { _id: { $lt: idFloorAt(rule.before) }, at: { $lt: rule.before } },
      };
    case 'reporting-data':
      return { collection: 'reporting_data', filter: { createdAt: { $lt: rule.before } } };
    case 'key-activity':
      return { collection: 'key_usage', filter: { lastUsedAt: { $lt: rule.before } } };
    case 'email-outbox':
      return {
        collection: 'email_outbox',
        filter: { state: { $in: ['sent', 'failed'] }, createdAt: { $lt: rule.before } },
      };
  }
}

/** Ids of the matching documents that are among `ids`. */
const withIds = (filter: Filter<AnyDoc>, ids: readonly string[]): Filter<AnyDoc> => ({
  $and: [filter, { _id: { $in: [...ids] } }],
});

export function mongoRetentionRepository(db: Db): RetentionRepository {
  const c = collections(db);
  return {
    listExpired: async (rule, limit) => {
      const s = shapeOf(rule);
      const docs = await db
        .collection<AnyDoc>(s.collection)
        .find(s.filter)
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
      const out: ExpiredRecord[] = docs.map((d) => ({
        id: String(d._id),
        record: JSON.parse(JSON.stringify(d)) as Record<string, unknown>,
      }));
      if (rule.kind === 'alerts' && out.length) {
        const events = await c.alertEvents
          .find({ alertId: { $in: out.map((r) => r.id) } })
          .sort({ _id: 1 })
          .toArray();
        for (const r of out) r.record.events = events.filter((e) => e.alertId === r.id);
      }
      return out;
    },
    deleteExpired: async (rule, ids) => {
      if (ids.length === 0) return [];
      const s = shapeOf(rule);
      const coll = db.collection<AnyDoc>(s.collection);
      const found = await coll
        .find(withIds(s.filter, ids), { projection: { _id: 1, dedupeKey: 1 } })
        .toArray();
      if (found.length === 0) return [];
      const foundIds = found.map((d) => String(d._id));
      await coll.deleteMany(withIds(s.filter, foundIds));
      // What still exists changed between the read and the delete: it was not deleted.
      const left = new Set(
        (await coll.find({ _id: { $in: foundIds } }, { projection: { _id: 1 } }).toArray()).map(
          (d) => d._id,
        ),
      );
      const gone = found.filter((d) => !left.has(String(d._id)));
      const goneIds = gone.map((d) => String(d._id));
      const held = gone.flatMap((d) =>
        typeof d.dedupeKey === 'string' ? [{ key: d.dedupeKey, holder: String(d._id) }] : [],
      );
      if (rule.kind === 'jobs') {
        await c.jobClaims.deleteMany({ jobId: { $in: goneIds } });
        await forgetHolders(jobKeys(c), held);
      }
      if (rule.kind === 'alerts') {
        await c.alertEvents.deleteMany({ alertId: { $in: goneIds } });
        await forgetHolders({ keys: c.alertDedupe, releases: c.alertDedupeReleases }, held);
      }
      return goneIds;
    },
  };
}
