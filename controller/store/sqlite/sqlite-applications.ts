/** Applications and their members in the embedded store. */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import type { ApplicationRecord, ApplicationRepository, ApplicationRule } from '../reporting-store';
import { decodeMemberCursor, encodeMemberCursor } from '../member-cursor';
import { stmt } from './statements';

interface AppRow {
  id: string;
  name: string;
  description: string;
  rules: string;
  created_at: number;
  updated_at: number;
  members_computed_at: number | null;
}
const toApp = (r: AppRow): ApplicationRecord => ({
  id: r.id,
  name: r.name,
  description: r.description,
  rules: JSON.parse(r.rules) as ApplicationRule[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  membersComputedAt: r.members_computed_at,
});

const isUniqueViolation = (err: unknown) =>
  (err as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
  (err as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

export function sqliteApplicationRepository(db: Database.Database): ApplicationRepository {
  const get = (id: string) => {
    const row = stmt(db, 'SELECT * FROM applications WHERE id = ?').get(id) as AppRow | undefined;
    return row ? toApp(row) : null;
  };
  const nameTaken = (name: string, cause: unknown) =>
    conflict(`an application named ${name} exists`, { details: { name }, cause });
  return {
    create: async (app, now) => {
      try {
        stmt(
          db,
          `INSERT INTO applications (id, name, description, rules, created_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(app.id, app.name, app.description, JSON.stringify(app.rules), now, now);
      } catch (cause) {
        if (isUniqueViolation(cause)) throw nameTaken(app.name, cause);
        throw cause;
      }
      return get(app.id) as ApplicationRecord;
    },
    get: async (id) => get(id),
    list: async () =>
      (stmt(db, 'SELECT * FROM applications ORDER BY name').all() as AppRow[]).map(toApp),
    update: async (id, patch, now) => {
      const before = get(id);
      if (!before) return null;
      const next = { ...before, ...patch };
      try {
        stmt(
          db,
          'UPDATE applications SET name = ?, description = ?, rules = ?, updated_at = ? WHERE id = ?',
        ).run(next.name, next.description, JSON.stringify(next.rules), now, id);
      } catch (cause) {
        if (isUniqueViolation(cause)) throw nameTaken(next.name, cause);
        throw cause;
      }
      return get(id);
    },
    remove: async (id) =>
      db.transaction(() => {
        stmt(db, 'DELETE FROM application_members WHERE application_id = ?').run(id);
        return stmt(db, 'DELETE FROM applications WHERE id = ?').run(id).changes === 1;
      })(),
    setMembers: async (id, members, now) => {
      const add = stmt(
        db,
        'INSERT OR IGNORE INTO application_members (application_id, host_id, account) VALUES (?, ?, ?)',
      );
      // One transaction: a reader sees the old members or the new, never half of each.
      return db.transaction(() => {
        stmt(db, 'DELETE FROM application_members WHERE application_id = ?').run(id);
        for (const m of members) add.run(id, m.hostId, m.account ?? '');
        stmt(db, 'UPDATE applications SET members_computed_at = ? WHERE id = ?').run(now, id);
        return (
          stmt(db, 'SELECT COUNT(*) AS n FROM application_members WHERE application_id = ?').get(
            id,
          ) as { n: number }
        ).n;
      })();
    },
    listMembers: async (id, p) => {
      const after = p.after === undefined ? null : decodeMemberCursor(p.after);
      const rows = stmt(
        db,
        `SELECT host_id, account FROM application_members WHERE application_id = ?
        AND (? IS NULL OR (host_id, account) > (?, ?)) ORDER BY host_id, account LIMIT ?`,
      ).all(id, after ? 1 : null, after?.[0] ?? '', after?.[1] ?? '', p.limit + 1) as Array<{
        host_id: string;
        account: string;
      }>;
      const items = rows
        .slice(0, p.limit)
        .map((r) => ({ hostId: r.host_id, account: r.account === '' ? null : r.account }));
      const last = rows[p.limit - 1];
      return {
        items,
        nextCursor:
          rows.length > p.limit && last ? encodeMemberCursor(last.host_id, last.account) : null,
      };
    },
    ofHost: async (hostId, account) =>
      (
        stmt(
          db,
          `SELECT DISTINCT application_id FROM application_members
          WHERE host_id = ? AND account IN ('', ?) ORDER BY application_id`,
        ).all(hostId, account ?? '') as Array<{ application_id: string }>
      ).map((r) => r.application_id),
    membershipsOfHost: async (hostId) =>
      (
        stmt(
          db,
          `SELECT DISTINCT account, application_id FROM application_members WHERE host_id = ?
          ORDER BY account, application_id`,
        ).all(hostId) as Array<{ account: string; application_id: string }>
      ).map((r) => ({ account: r.account, applicationId: r.application_id })),
  };
}
