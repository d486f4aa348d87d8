/** Audit entries and alerts: append-mostly records listed newest first. */
import type Database from 'better-sqlite3';
import { idFloorAt, newId } from '../ids';
import type { AlertRecord, AlertSeverity, AlertState, AuditRecord } from '../records';
import type { AlertRepository, AuditRepository } from '../store';
import { placeholders, stmt } from './statements';
import { addWhere, page } from './page-query';

interface AuditRow {
  id: string;
  at: number;
  actor: string;
  action: string;
  subject: string;
  details: string;
}
const toAudit = (r: AuditRow): AuditRecord => ({
  ...r,
  details: JSON.parse(r.details) as Record<string, unknown>,
});

const AUDIT_PURGE_CHUNK = 1000;

export function sqliteAuditRepository(db: Database.Database): AuditRepository {
  return {
    append: async (e) => {
      const rec: AuditRecord = { id: newId(e.at), ...e };
      stmt(
        db,
        'INSERT INTO audit (id, at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(rec.id, rec.at, rec.actor, rec.action, rec.subject, JSON.stringify(rec.details));
      return rec;
    },
    list: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addWhere(where, args, f.action, 'action = ?', f.action);
      addWhere(where, args, f.subject, 'subject = ?', f.subject);
      addWhere(where, args, f.since, 'at >= ?', f.since);
      return page(db, 'audit', where, args, p, toAudit);
    },
    purge: async (before) => {
      // Ids are time-ordered: the primary key bounds the scan. Deleted in chunks with a
      // turn of the event loop between them, so a large first purge never stalls the
      // controller (agents' streams, the API) for long.
      const chunk = stmt(
        db,
        `DELETE FROM audit WHERE id IN
          (SELECT id FROM audit WHERE id < ? AND at < ? ORDER BY id LIMIT ${AUDIT_PURGE_CHUNK})`,
      );
      let total = 0;
      for (;;) {
        const n = chunk.run(idFloorAt(before), before).changes;
        total += n;
        if (n < AUDIT_PURGE_CHUNK) return total;
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

interface AlertRow {
  id: string;
  type: string;
  severity: string;
  subject: string;
  message: string;
  state: string;
  dedupe_key: string;
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
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function sqliteAlertRepository(db: Database.Database): AlertRepository {
  const byId = (id: string) => {
    const row = stmt(db, 'SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? toAlert(row) : null;
  };
  return {
    raise: async (a, now) => {
      const row = stmt(
        db,
        `INSERT INTO alerts (id, type, severity, subject, message, state, dedupe_key, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
      ).get(newId(now), a.type, a.severity, a.subject, a.message, a.dedupeKey, now, now) as
        AlertRow | undefined;
      if (row) return { alert: toAlert(row), created: true };
      const open = stmt(db, `SELECT * FROM alerts WHERE dedupe_key = ? AND state = 'open'`).get(
        a.dedupeKey,
      ) as AlertRow;
      return { alert: toAlert(open), created: false };
    },
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
    setState: async (id, state, now) => {
      const row = stmt(
        db,
        'UPDATE alerts SET state = ?, updated_at = ? WHERE id = ? RETURNING *',
      ).get(state, now, id) as AlertRow | undefined;
      return row ? toAlert(row) : null;
    },
    purge: async (c) =>
      db
        .prepare(
          `DELETE FROM alerts WHERE state IN (${placeholders(c.states.length)}) AND updated_at < ?`,
        )
        .run(...c.states, c.updatedBefore).changes,
  };
}
