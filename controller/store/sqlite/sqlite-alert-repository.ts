/** Alerts, listed newest first, and the feed of their changes, read oldest first. */
import type Database from 'better-sqlite3';
import { invalidInput } from '../../../shared/errors';
import { newId } from '../ids';
import type {
  AlertContext,
  AlertEventKind,
  AlertRecord,
  AlertSeverity,
  AlertState,
} from '../records';
import type { AlertRepository } from '../store';
import { placeholders, stmt } from './statements';
import { addWhere, page } from './page-query';

interface AlertRow {
  id: string;
  type: string;
  severity: string;
  subject: string;
  message: string;
  state: string;
  dedupe_key: string;
  context: string;
  state_reason: string | null;
  state_by: string | null;
  created_at: number;
  updated_at: number;
}
const toAlert = (r: AlertRow): AlertRecord => ({
  id: r.id,
  type: r.type,
  severity: r.severity as AlertSeverity,
  subject: r.subject,
  message: r.message,
  state: r.state as AlertState,
  dedupeKey: r.dedupe_key,
  context: JSON.parse(r.context) as AlertContext,
  stateReason: r.state_reason,
  stateBy: r.state_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The event a move into `state` records. */
const EVENT_OF: Record<AlertState, AlertEventKind> = {
  open: 'reopened',
  resolved: 'resolved',
  dismissed: 'dismissed',
};

export function sqliteAlertRepository(db: Database.Database): AlertRepository {
  const byId = (id: string) => {
    const row = stmt(db, 'SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? toAlert(row) : null;
  };
  const record = (alertId: string, kind: AlertEventKind, at: number) =>
    stmt(db, 'INSERT INTO alert_events (alert_id, kind, at) VALUES (?, ?, ?)').run(
      alertId,
      kind,
      at,
    );
  const raise = db.transaction((a: Parameters<AlertRepository['raise']>[0], now: number) => {
    const row = stmt(
      db,
      `INSERT INTO alerts (id, type, severity, subject, message, state, dedupe_key, context,
        created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
    ).get(
      newId(now),
      a.type,
      a.severity,
      a.subject,
      a.message,
      a.dedupeKey,
      JSON.stringify(a.context ?? {}),
      now,
      now,
    ) as AlertRow | undefined;
    if (row) {
      record(row.id, 'raised', now);
      return { alert: toAlert(row), created: true };
    }
    const open = stmt(db, `SELECT * FROM alerts WHERE dedupe_key = ? AND state = 'open'`).get(
      a.dedupeKey,
    ) as AlertRow;
    return { alert: toAlert(open), created: false };
  });
  const setState = db.transaction(
    (id: string, state: AlertState, now: number, note?: { reason: string; by: string }) => {
      const row = stmt(
        db,
        `UPDATE alerts SET state = ?, updated_at = ?, state_reason = ?, state_by = ?
        WHERE id = ? RETURNING *`,
      ).get(state, now, note?.reason ?? null, note?.by ?? null, id) as AlertRow | undefined;
      if (row) record(row.id, EVENT_OF[state], now);
      return row ? toAlert(row) : null;
    },
  );
  const purge = db.transaction((states: AlertState[], before: number) => {
    const where = `state IN (${placeholders(states.length)}) AND updated_at < ?`;
    db.prepare(
      `DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE ${where})`,
    ).run(...states, before);
    return db.prepare(`DELETE FROM alerts WHERE ${where}`).run(...states, before).changes;
  });
  // A bulk raise needs no row back: the id is ours, so the event is recorded without a read.
  const raiseQuietly = (a: Parameters<AlertRepository['raise']>[0], now: number) => {
    const id = newId(now);
    const { changes } = stmt(
      db,
      `INSERT INTO alerts (id, type, severity, subject, message, state, dedupe_key, context,
        created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(
      id,
      a.type,
      a.severity,
      a.subject,
      a.message,
      a.dedupeKey,
      JSON.stringify(a.context ?? {}),
      now,
      now,
    );
    if (changes > 0) record(id, 'raised', now);
    return changes > 0;
  };
  const applyMany = db.transaction(
    (c: Parameters<AlertRepository['applyMany']>[0], now: number) => {
      const created = c.raise.map((a) => raiseQuietly(a, now));
      for (const i of c.setState) setState(i.id, i.state, now, i.note);
      return { created };
    },
  );
  return {
    raise: async (a, now) => raise.immediate(a, now),
    get: async (id) => byId(id),
    list: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addWhere(
        where,
        args,
        f.state,
        `state IN (${placeholders(f.state?.length ?? 0)})`,
        ...(f.state ?? []),
      );
      addWhere(where, args, f.type, 'type = ?', f.type);
      return page(db, 'alerts', where, args, p, toAlert);
    },
    setState: async (id, state, now, note) => setState.immediate(id, state, now, note),
    events: async (after, limit) => {
      const from = after === undefined ? 0 : Number(after);
      if (!Number.isSafeInteger(from) || from < 0)
        throw invalidInput(`not an alert event cursor: ${after}`, {
          details: { field: 'after', value: after },
        });
      const rows = stmt(
        db,
        `SELECT e.seq, e.kind, e.at, a.* FROM alert_events e JOIN alerts a ON a.id = e.alert_id
        WHERE e.seq > ? ORDER BY e.seq LIMIT ?`,
      ).all(from, limit) as Array<AlertRow & { seq: number; kind: AlertEventKind; at: number }>;
      return rows.map((r) => ({
        cursor: String(r.seq),
        kind: r.kind,
        at: r.at,
        alert: toAlert(r),
      }));
    },
    purge: async (c) => purge.immediate(c.states, c.updatedBefore),
    latestByDedupeKey: async (key) => {
      const row = stmt(
        db,
        'SELECT * FROM alerts WHERE dedupe_key = ? ORDER BY created_at DESC, id DESC LIMIT 1',
      ).get(key) as AlertRow | undefined;
      return row ? toAlert(row) : null;
    },
    // INDEXED BY: the planner would otherwise walk every open alert by state; the WHERE
    // repeats the partial index's condition word for word, which lets it be used.
    listActiveInRange: async ({ from, to }, limit = -1) =>
      (
        stmt(
          db,
          `SELECT * FROM alerts INDEXED BY alerts_active_key WHERE state IN ('open', 'dismissed')
          AND dedupe_key >= ? AND dedupe_key < ? ORDER BY dedupe_key LIMIT ?`,
        ).all(from, to, limit) as AlertRow[]
      ).map(toAlert),
    listActiveKeysInRange: async ({ from, to }, limit = -1) =>
      stmt(
        db,
        `SELECT id, dedupe_key AS dedupeKey, state, updated_at AS updatedAt
        FROM alerts INDEXED BY alerts_active_key
        WHERE state IN ('open', 'dismissed') AND dedupe_key >= ? AND dedupe_key < ?
        ORDER BY dedupe_key LIMIT ?`,
      ).all(from, to, limit) as Array<{
        id: string;
        dedupeKey: string;
        state: AlertState;
        updatedAt: number;
      }>,
    setSeverityInRange: async ({ from, to }, severity, now) =>
      stmt(
        db,
        `UPDATE alerts SET severity = ?, updated_at = ?
        WHERE state IN ('open', 'dismissed') AND dedupe_key >= ? AND dedupe_key < ?
        AND severity <> ?`,
      ).run(severity, now, from, to, severity).changes,
    applyMany: async (c, now) =>
      c.raise.length + c.setState.length ? applyMany.immediate(c, now) : { created: [] },
  };
}
