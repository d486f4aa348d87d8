/** Audit entries: append-only records listed newest first. */
import type Database from 'better-sqlite3';
import { idFloorAt, newId } from '../ids';
import type { AuditRecord } from '../records';
import type { AuditRepository } from '../store';
import { invalidInput } from '../../../shared/errors';
import { stmt } from './statements';
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
    feed: async (after, limit) => {
      const from = after === undefined ? 0 : Number(after);
      if (!Number.isSafeInteger(from) || from < 0)
        throw invalidInput(`not an audit feed cursor: ${after}`, {
          details: { field: 'after', value: after },
        });
      const rows = stmt(
        db,
        `SELECT f.seq, a.* FROM audit_feed f JOIN audit a ON a.id = f.audit_id
        WHERE f.seq > ? ORDER BY f.seq LIMIT ?`,
      ).all(from, limit) as Array<AuditRow & { seq: number }>;
      return rows.map(({ seq, ...r }) => ({ cursor: String(seq), entry: toAudit(r) }));
    },
  };
}
