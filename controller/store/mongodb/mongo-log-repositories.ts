/** Audit entries: append-only records listed newest first. */
import type { Filter } from 'mongodb';
import { idFloorAt, newId } from '../ids';
import type { AuditRecord } from '../records';
import type { AuditRepository } from '../store';
import { type AuditDoc, type Collections, unjson } from './collections';
import { listPage } from './page';

const toAudit = ({ _id, details, ...a }: AuditDoc): AuditRecord => ({
  id: _id,
  ...a,
  details: (unjson(details) ?? {}) as Record<string, unknown>,
});

export function mongoAuditRepository(c: Collections): AuditRepository {
  return {
    append: async (e) => {
      const rec: AuditRecord = { id: newId(e.at), ...e };
      const { id, details, ...rest } = rec;
      await c.audit.insertOne({ _id: id, ...rest, details: JSON.stringify(details) });
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
  };
}
