/** Audit entries: append-only records listed newest first. */
import type { Filter } from 'mongodb';
import { idFloorAt, newId } from '../ids';
import type { AuditRecord } from '../records';
import type { AuditRepository } from '../store';
import { type AuditDoc, type Collections, unjson } from './collections';
import { listPage } from './page';

const toAudit = ({ _id, details, feedId: _f, ...a }: AuditDoc): AuditRecord => ({
  id: _id,
  ...a,
  details: (unjson(details) ?? {}) as Record<string, unknown>,
});

/** How long a feed id may take to land after it is taken. */
const FEED_SETTLE_MS = 1000;

export function mongoAuditRepository(c: Collections): AuditRepository {
  return {
    append: async (e) => {
      const rec: AuditRecord = { id: newId(e.at), ...e };
      const { id, details, ...rest } = rec;
      // _id follows the entry's own time; feedId the order of the writes (the feed's).
      await c.audit.insertOne({
        _id: id,
        ...rest,
        details: JSON.stringify(details),
        feedId: newId(),
      });
      return rec;
    },
    list: (f, p) => {
      const q: Filter<AuditDoc> = {};
      if (f.action !== undefined) q.action = f.action;
      if (f.subject !== undefined) q.subject = f.subject;
      if (f.since !== undefined) q.at = { $gte: f.since };
      return listPage(c.audit, q, p, toAudit);
    },
    purge: async (before) =>
      // Ids are time-ordered, so the _id index bounds what is read.
      (await c.audit.deleteMany({ _id: { $lt: idFloorAt(before) }, at: { $lt: before } }))
        .deletedCount,
    feed: async (after, limit) => {
      // As the alert feed (mongo-alert-repository.ts): feed ids are taken before their
      // insert lands, so only ids older than the settle time are served.
      const settled = { $lt: idFloorAt(Date.now() - FEED_SETTLE_MS) };
      const docs = await c.audit
        .find({ feedId: after === undefined ? settled : { ...settled, $gt: after } })
        .sort({ feedId: 1 })
        .limit(limit)
        .toArray();
      return docs.map((d) => ({ cursor: d.feedId as string, entry: toAudit(d) }));
    },
  };
}
