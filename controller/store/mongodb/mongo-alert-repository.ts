/** Alerts, listed newest first, and the feed of their changes, read oldest first. */
import type { Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import { idFloorAt, newId } from '../ids';
import type { AlertContext, AlertEventKind, AlertRecord, AlertState } from '../records';
import type { AlertRepository } from '../store';
import { type AlertDoc, type Collections, unjson } from './collections';
import { listPage } from './page';
import { forgetHolders, releaseKey, takeKey, type SingletonKeys } from './singleton-key';

const toAlert = ({ _id, context, stateReason, stateBy, ...a }: AlertDoc): AlertRecord => ({
  id: _id,
  ...a,
  context: (unjson(context) ?? {}) as AlertContext,
  stateReason: stateReason ?? null,
  stateBy: stateBy ?? null,
});

/** How long an event id may take to land after it is taken (see `events`). */
const EVENT_SETTLE_MS = 1000;

/** The event a move into `state` records. */
const EVENT_OF: Record<AlertState, AlertEventKind> = {
  open: 'reopened',
  resolved: 'resolved',
  dismissed: 'dismissed',
};

/**
 * One open alert per dedupe key, decided by the same unique-insert keys as job dedupe.
 * An event is written after the change it records (no transaction here): a crash between
 * the two leaves a change without its event, never an event without its change. The feed
 * trails the clock by EVENT_SETTLE_MS, so a reader never steps over an insert in flight.
 */
export function mongoAlertRepository(c: Collections): AlertRepository {
  const keys: SingletonKeys = { keys: c.alertDedupe, releases: c.alertDedupeReleases };
  const get = async (id: string) => {
    const doc = await c.alerts.findOne({ _id: id });
    return doc ? toAlert(doc) : null;
  };
  // The cursor is a wall-clock id taken just before the insert, not the caller's `at`.
  const record = async (alertId: string, kind: AlertEventKind, at: number) => {
    await c.alertEvents.insertOne({ _id: newId(), alertId, kind, at });
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
  const repo: AlertRepository = {
    raise: async ({ context, ...a }, now) => {
      const doc: AlertDoc = {
        _id: newId(now),
        ...a,
        context: JSON.stringify(context ?? {}),
        stateReason: null,
        stateBy: null,
        state: 'open',
        createdAt: now,
        updatedAt: now,
      };
      const took = await takeKey(keys, a.dedupeKey, doc._id, get, (x) => x.state === 'open');
      if (!took.taken) return { alert: took.holder, created: false };
      await c.alerts.insertOne(doc);
      await record(doc._id, 'raised', now);
      return { alert: toAlert(doc), created: true };
    },
    get,
    list: (f, p) => {
      const q: Filter<AlertDoc> = {};
      if (f.state) q.state = { $in: f.state };
      if (f.type !== undefined) q.type = f.type;
      return listPage(c.alerts, q, p, toAlert);
    },
    setState: async (id, state, now, note) => {
      const current = await get(id);
      if (!current) return null;
      if (state === 'open' && current.state !== 'open') await reopen(current);
      const doc = await c.alerts.findOneAndUpdate(
        { _id: id },
        {
          $set: {
            state,
            updatedAt: now,
            stateReason: note?.reason ?? null,
            stateBy: note?.by ?? null,
          },
        },
        { returnDocument: 'after' },
      );
      if (!doc) return null;
      await record(doc._id, EVENT_OF[state], now);
      if (state !== 'open') await releaseKey(keys, doc.dedupeKey, doc._id);
      return toAlert(doc);
    },
    events: async (after, limit) => {
      // Writers (other controllers, or interleaved calls in this one) take an id before
      // their insert lands, so the newest ids may still have gaps: serve only settled ones.
      const settled = { $lt: idFloorAt(Date.now() - EVENT_SETTLE_MS) };
      const events = await c.alertEvents
        .find({ _id: after === undefined ? settled : { ...settled, $gt: after } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
      const alerts = await c.alerts.find({ _id: { $in: events.map((e) => e.alertId) } }).toArray();
      const byId = new Map(alerts.map((a) => [a._id, toAlert(a)]));
      return events.flatMap((e) => {
        const alert = byId.get(e.alertId);
        return alert ? [{ cursor: e._id, kind: e.kind, at: e.at, alert }] : [];
      });
    },
    purge: async (crit) => {
      const filter = { state: { $in: crit.states }, updatedAt: { $lt: crit.updatedBefore } };
      const found = await c.alerts.find(filter, { projection: { _id: 1, dedupeKey: 1 } }).toArray();
      if (found.length === 0) return 0;
      const ids = found.map((x) => x._id);
      const { deletedCount } = await c.alerts.deleteMany({ ...filter, _id: { $in: ids } });
      await c.alertEvents.deleteMany({ alertId: { $in: ids } });
      await forgetHolders(
        keys,
        found.map((x) => ({ key: x.dedupeKey, holder: x._id })),
      );
      return deletedCount;
    },
    latestByDedupeKey: async (dedupeKey) => {
      const [doc] = await c.alerts
        .find({ dedupeKey })
        .sort({ createdAt: -1, _id: -1 })
        .limit(1)
        .toArray();
      return doc ? toAlert(doc) : null;
    },
    listActiveInRange: async ({ from, to }, limit = 0) =>
      (
        await c.alerts
          .find({ dedupeKey: { $gte: from, $lt: to }, state: { $in: ['open', 'dismissed'] } })
          .sort({ dedupeKey: 1 })
          .limit(limit)
          .toArray()
      ).map(toAlert),
    listActiveKeysInRange: async ({ from, to }, limit = 0) =>
      (
        await c.alerts
          .find(
            { dedupeKey: { $gte: from, $lt: to }, state: { $in: ['open', 'dismissed'] } },
            { projection: { _id: 1, dedupeKey: 1, state: 1, updatedAt: 1 } },
          )
          .sort({ dedupeKey: 1 })
          .limit(limit)
          .toArray()
      ).map((d) => ({ id: d._id, dedupeKey: d.dedupeKey, state: d.state, updatedAt: d.updatedAt })),
    setSeverityInRange: async ({ from, to }, severity, now) =>
      (
        await c.alerts.updateMany(
          {
            dedupeKey: { $gte: from, $lt: to },
            state: { $in: ['open', 'dismissed'] },
            severity: { $ne: severity },
          },
          { $set: { severity, updatedAt: now } },
        )
      ).modifiedCount,
    // No transaction here: one after the other, each as `raise` / `setState` does it.
    applyMany: async (changes, now) => {
      const created: boolean[] = [];
      for (const a of changes.raise) created.push((await repo.raise(a, now)).created);
      for (const i of changes.setState) await repo.setState(i.id, i.state, now, i.note);
      return { created };
    },
  };
  return repo;
}
