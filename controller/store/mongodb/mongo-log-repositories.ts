/** Audit entries and alerts: append-mostly records listed newest first. */
import type { Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import { idFloorAt, newId } from '../ids';
import type { AlertRecord, AuditRecord } from '../records';
import type { AlertRepository, AuditRepository } from '../store';
import { type AlertDoc, type AuditDoc, type Collections, unjson } from './collections';
import { listPage } from './page';
import { forgetHolders, releaseKey, takeKey, type SingletonKeys } from './singleton-key';

const toAudit = ({ _id, details, ...a }: AuditDoc): AuditRecord => ({
  id: _id,
  ...a,
  details: (unjson(details) ?? {}) as Record<string, unknown>,
});
const toAlert = ({ _id, ...a }: AlertDoc): AlertRecord => ({ id: _id, ...a });

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

/** One open alert per dedupe key, decided by the same unique-insert keys as job dedupe. */
export function mongoAlertRepository(c: Collections): AlertRepository {
  const keys: SingletonKeys = { keys: c.alertDedupe, releases: c.alertDedupeReleases };
  const get = async (id: string) => {
    const doc = await c.alerts.findOne({ _id: id });
    return doc ? toAlert(doc) : null;
  };
  /** Reopening takes the key back; another open alert with the same key refuses it. */
  const reopen = async (alert: AlertRecord) => {
    const took = await takeKey(keys, alert.dedupeKey, alert.id, get, (x) => x.state === 'open');
    if (!took.taken)
      throw conflict(`alert ${alert.id} cannot be reopened: alert ${took.holder.id} is open`, {
        details: { id: alert.id, dedupeKey: alert.dedupeKey, open: took.holder.id },
      });
    await c.alertDedupeReleases.deleteOne({ _id: `${alert.id}/${alert.dedupeKey}` });
  };
  return {
    raise: async (a, now) => {
      const doc: AlertDoc = {
        _id: newId(now),
        ...a,
        state: 'open',
        createdAt: now,
        updatedAt: now,
      };
      const took = await takeKey(keys, a.dedupeKey, doc._id, get, (x) => x.state === 'open');
      if (!took.taken) return { alert: took.holder, created: false };
      await c.alerts.insertOne(doc);
      return { alert: toAlert(doc), created: true };
    },
    get,
    list: (f, p) => {
      const q: Filter<AlertDoc> = {};
      if (f.state) q.state = { $in: f.state };
      if (f.type !== undefined) q.type = f.type;
      return listPage(c.alerts, q, p, toAlert);
    },
    setState: async (id, state, now) => {
      const current = await get(id);
      if (!current) return null;
      if (state === 'open' && current.state !== 'open') await reopen(current);
      const doc = await c.alerts.findOneAndUpdate(
        { _id: id },
        { $set: { state, updatedAt: now } },
        { returnDocument: 'after' },
      );
      if (doc && state !== 'open') await releaseKey(keys, doc.dedupeKey, doc._id);
      return doc ? toAlert(doc) : null;
    },
    purge: async (crit) => {
      const filter = { state: { $in: crit.states }, updatedAt: { $lt: crit.updatedBefore } };
      const found = await c.alerts.find(filter, { projection: { _id: 1, dedupeKey: 1 } }).toArray();
      if (found.length === 0) return 0;
      const ids = found.map((x) => x._id);
      const { deletedCount } = await c.alerts.deleteMany({ ...filter, _id: { $in: ids } });
      await forgetHolders(
        keys,
        found.map((x) => ({ key: x.dedupeKey, holder: x._id })),
      );
      return deletedCount;
    },
  };
}
