/**
 * Session texts in the embedded store. Indexing a session replaces its entries and their
 * FTS5 rows in one transaction; a search asks FTS5 for candidates in result order
 * (sqlite-session-text-candidates.ts) and leaves the exact test and the paging to
 * collectSearchPage.
 */
import type Database from 'better-sqlite3';
import { collectSearchPage } from '../session-text-paging';
import type {
  CommandScore,
  IndexedCommand,
  SessionLog,
  SessionMetadata,
  SessionTextRecord,
} from '../session-text-records';
import { candidateTokens, indexedTextBound, parseSessionSearch } from '../session-text-search';
import type { SessionTextRepository } from '../session-text-store';
import { nextEntryRowid, sqliteCandidates } from './sqlite-session-text-candidates';
import { placeholders, stmt } from './statements';

interface Row {
  session: string;
  log: string;
  converted_at: number;
  indexed_at: number | null;
  scores: string | null;
  scored_at: number | null;
}

/** An FTS5 query that requires each token (quoted: no token is read as an operator). */
const allOf = (tokens: string[]) => tokens.map((t) => `"${t.replaceAll('"', '""')}"`).join(' ');

export function sqliteSessionTextRepository(db: Database.Database): SessionTextRepository {
  const dropEntries = (sessionId: string) => {
    const ids = stmt(db, 'SELECT id FROM session_text_entries WHERE session_id = ?')
      .pluck()
      .all(sessionId) as number[];
    for (const id of ids) stmt(db, 'DELETE FROM session_text_fts WHERE rowid = ?').run(id);
    stmt(db, 'DELETE FROM session_text_entries WHERE session_id = ?').run(sessionId);
  };

  const putLog = db.transaction((s: SessionMetadata, log: SessionLog, now: number) => {
    dropEntries(s.sessionId);
    stmt(
      db,
      `INSERT INTO session_texts (session_id, host_id, person, started_at, session, log, converted_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET host_id = excluded.host_id, person = excluded.person,
         started_at = excluded.started_at, session = excluded.session, log = excluded.log,
         converted_at = excluded.converted_at, indexed_at = NULL, scores = NULL, scored_at = NULL`,
    ).run(
      s.sessionId,
      s.hostId,
      s.person,
      s.startedAt,
      JSON.stringify(s),
      JSON.stringify(log),
      now,
    );
  });

  const index = db.transaction((s: SessionMetadata, commands: IndexedCommand[], now: number) => {
    const kept = stmt(
      db,
      'UPDATE session_texts SET indexed_at = ?, session = ?, host_id = ?, person = ?, started_at = ? WHERE session_id = ?',
    ).run(now, JSON.stringify(s), s.hostId, s.person, s.startedAt, s.sessionId).changes;
    if (kept === 0) return false;
    dropEntries(s.sessionId);
    for (const c of commands) {
      const text = indexedTextBound(c.text);
      const id = nextEntryRowid(db, s.startedAt);
      stmt(
        db,
        `INSERT INTO session_text_entries
           (id, session_id, seq, session_started_at, started_at, host_id, person, command, text)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, s.sessionId, c.seq, s.startedAt, c.startedAt, s.hostId, s.person, c.command, text);
      stmt(db, 'INSERT INTO session_text_fts (rowid, command, text) VALUES (?, ?, ?)').run(
        id,
        c.command,
        text,
      );
    }
    return true;
  });

  const remove = db.transaction((sessionId: string) => {
    dropEntries(sessionId);
    return stmt(db, 'DELETE FROM session_texts WHERE session_id = ?').run(sessionId).changes > 0;
  });

  const loadSessions = async (ids: string[]) => {
    const map = new Map<string, SessionMetadata>();
    if (ids.length === 0) return map;
    const rows = db
      .prepare(
        `SELECT session FROM session_texts WHERE session_id IN (${placeholders(ids.length)})`,
      )
      .pluck()
      .all(...ids) as string[];
    for (const r of rows) {
      const s = JSON.parse(r) as SessionMetadata;
      map.set(s.sessionId, s);
    }
    return map;
  };

  return {
    putLog: async (s, log, now) => putLog(s, log, now),
    get: async (sessionId) => {
      const row = stmt(
        db,
        'SELECT session, log, converted_at, indexed_at, scores, scored_at FROM session_texts WHERE session_id = ?',
      ).get(sessionId) as Row | undefined;
      if (!row) return null;
      const rec: SessionTextRecord = {
        session: JSON.parse(row.session) as SessionMetadata,
        log: JSON.parse(row.log) as SessionLog,
        convertedAt: row.converted_at,
        indexedAt: row.indexed_at,
        scores: row.scores === null ? null : (JSON.parse(row.scores) as CommandScore[]),
        scoredAt: row.scored_at,
      };
      return rec;
    },
    index: async (s, commands, now) => index(s, commands, now),
    setScores: async (sessionId, scores, now) =>
      stmt(db, 'UPDATE session_texts SET scores = ?, scored_at = ? WHERE session_id = ?').run(
        JSON.stringify(scores),
        now,
        sessionId,
      ).changes > 0,
    search: async (query) => {
      const p = parseSessionSearch(query);
      const toks = candidateTokens(p);
      const match = [
        ...(toks.any.length > 0 ? [allOf(toks.any)] : []),
        ...(toks.command.length > 0 ? [`command : (${allOf(toks.command)})`] : []),
      ].join(' AND ');
      const where: string[] = [];
      const args: unknown[] = [];
      const and = (clause: string, value: unknown) => {
        where.push(clause);
        args.push(value);
      };
      const driver =
        p.hostId !== null
          ? ({ column: 'host_id', value: p.hostId } as const)
          : p.person !== null
            ? ({ column: 'person', value: p.person } as const)
            : null;
      if (p.person !== null && driver?.column !== 'person') and('e.person = ?', p.person);
      if (p.from !== null) and('e.started_at >= ?', p.from);
      if (p.to !== null) and('e.started_at < ?', p.to);
      const fetchBatch = sqliteCandidates(db, { match, where, args, before: p.to, driver });
      return collectSearchPage(p, fetchBatch, loadSessions);
    },
    remove: async (sessionId) => remove(sessionId),
  };
}
