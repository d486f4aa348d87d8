/** Gateway sessions and their events in the embedded store. */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import type { SessionEventRecord, SessionRecord } from '../session-records';
import type { SessionRepository } from '../session-store';
import { addStateIn, addWhere, page } from './page-query';
import { placeholders, stmt } from './statements';

type Row = { data: string };
const fromRow = (r: Row): SessionRecord => JSON.parse(r.data) as SessionRecord;

export function sqliteSessionRepository(db: Database.Database): SessionRepository {
  const write = () =>
    stmt(
      db,
      `UPDATE sessions SET state = ?, last_seen_at = ?, terminate_requested_at = ?, data = ?
       WHERE id = ? AND state = ?`,
    );
  const heartbeatOne = () =>
    stmt(
      db,
      `UPDATE sessions SET last_seen_at = ?,
         data = json_set(data, '$.lastSeenAt', ?, '$.bytesOut', ?, '$.bytesIn', ?)
       WHERE id = ? AND state IN ('connecting', 'live')`,
    );
  return {
    create: async (s) => {
      const res = stmt(
        db,
        `INSERT INTO sessions (id, state, person_id, host_id, controller_id, started_at,
           last_seen_at, terminate_requested_at, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ).run(
        s.id,
        s.state,
        s.personId,
        s.hostId,
        s.controllerId,
        s.startedAt,
        s.lastSeenAt,
        s.terminateRequestedAt,
        JSON.stringify(s),
      );
      if (res.changes === 0) throw conflict(`a session ${s.id} exists`, { details: { id: s.id } });
      return s;
    },
    get: async (id) => {
      const row = stmt(db, 'SELECT data FROM sessions WHERE id = ?').get(id) as Row | undefined;
      return row ? fromRow(row) : null;
    },
    list: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addStateIn(where, args, f.state);
      addWhere(where, args, f.personId, 'person_id = ?', f.personId);
      addWhere(where, args, f.hostId, 'host_id = ?', f.hostId);
      addWhere(where, args, f.controllerId, 'controller_id = ?', f.controllerId);
      addWhere(where, args, f.startedSince, 'started_at >= ?', f.startedSince);
      addWhere(where, args, f.startedUntil, 'started_at < ?', f.startedUntil);
      addWhere(where, args, f.lastSeenBefore, 'last_seen_at < ?', f.lastSeenBefore);
      if (f.terminateRequested !== undefined)
        where.push(`terminate_requested_at IS ${f.terminateRequested ? 'NOT ' : ''}NULL`);
      return page<Row & { id: string }, SessionRecord>(db, 'sessions', where, args, p, fromRow);
    },
    update: async (id, from, patch) => {
      if (!from.length) return null;
      const row = stmt(
        db,
        `SELECT data FROM sessions WHERE id = ? AND state IN (${placeholders(from.length)})`,
      ).get(id, ...from) as Row | undefined;
      if (!row) return null;
      const before = fromRow(row);
      const after: SessionRecord = { ...before, ...patch };
      const res = write().run(
        after.state,
        after.lastSeenAt,
        after.terminateRequestedAt,
        JSON.stringify(after),
        id,
        before.state,
      );
      return res.changes ? after : null;
    },
    heartbeat: async (items, now) => {
      if (!items.length) return;
      const s = heartbeatOne();
      db.transaction(() => {
        for (const i of items) s.run(now, now, i.bytesOut, i.bytesIn, i.id);
      })();
    },
    addEvent: async (e) => {
      stmt(db, 'INSERT INTO session_events (id, session_id, at, data) VALUES (?, ?, ?, ?)').run(
        e.id,
        e.sessionId,
        e.at,
        JSON.stringify(e),
      );
    },
    listEvents: async (sessionId) =>
      (
        stmt(db, 'SELECT data FROM session_events WHERE session_id = ? ORDER BY id').all(
          sessionId,
        ) as Row[]
      ).map((r) => JSON.parse(r.data) as SessionEventRecord),
  };
}
