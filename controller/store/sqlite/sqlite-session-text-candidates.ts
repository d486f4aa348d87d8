/**
 * Candidates of a session search from FTS5, in result order, without sorting every match.
 * An entry's rowid is its session's start minute times 2^22 plus a counter (entryRowid),
 * so FTS5 walks matches newest minute first (ORDER BY rowid DESC is its own order) and a
 * page reads only about as many matches as it needs, however common the word: a chunk by
 * rowid, then the rest of the chunk's last minute, sorted exactly (session start, id, seq).
 */
import type Database from 'better-sqlite3';
import { storeFailure } from '../../../shared/errors';
import {
  compareCandidates,
  isAfterKey,
  type CandidateKey,
  type CandidateRow,
} from '../session-text-paging';
import { stmt } from './statements';

const PER_MINUTE = 2 ** 22;
const MAX_MINUTE = 2 ** 31 - 1;
const minuteOf = (ms: number) => Math.min(MAX_MINUTE, Math.max(0, Math.floor(ms / 60_000)));

/** The rowid for the next entry of a session starting at `startedAt`. */
export function nextEntryRowid(db: Database.Database, startedAt: number): number {
  const base = minuteOf(startedAt) * PER_MINUTE;
  const max = stmt(db, 'SELECT max(id) FROM session_text_entries WHERE id >= ? AND id < ?')
    .pluck()
    .get(base, base + PER_MINUTE) as number | null;
  const next = max === null ? base : max + 1;
  if (next >= base + PER_MINUTE)
    throw storeFailure(`more than ${PER_MINUTE} indexed commands for sessions of one minute`);
  return next;
}

export interface CandidateQuery {
  /** The FTS5 MATCH expression and the filters on session_text_entries e. */
  match: string;
  where: string[];
  args: unknown[];
  /** No session starts at or after this (the search's `to`): where the walk starts. */
  before: number | null;
  /**
   * A host or person filter: the walk goes through their entries (an index by column and
   * id) and asks FTS5 about each, since most of a common word's matches are elsewhere.
   */
  driver: { column: 'host_id' | 'person'; value: string } | null;
}

const COLUMNS = `e.id, e.session_id AS sessionId, e.session_started_at AS sessionStartedAt, e.seq,
  e.command, e.text, e.started_at AS startedAt`;

export function sqliteCandidates(db: Database.Database, q: CandidateQuery) {
  const filters = q.where.map((w) => ` AND ${w}`).join('');
  const d = q.driver;
  // The matches as one list, looked up per entry (an EXISTS probe of FTS5 per entry is
  // about 15 times slower).
  const matches = 'e.id IN (SELECT rowid FROM session_text_fts WHERE session_text_fts MATCH ?)';
  const chunkSql = d
    ? `SELECT ${COLUMNS} FROM session_text_entries e WHERE e.${d.column} = ? AND e.id < ?
       AND ${matches}${filters} ORDER BY e.id DESC LIMIT ?`
    : `SELECT ${COLUMNS} FROM session_text_fts JOIN session_text_entries e ON e.id = session_text_fts.rowid
       WHERE session_text_fts MATCH ? AND session_text_fts.rowid < ?${filters}
       ORDER BY session_text_fts.rowid DESC LIMIT ?`;
  const restSql = d
    ? `SELECT ${COLUMNS} FROM session_text_entries e WHERE e.${d.column} = ? AND e.id >= ? AND e.id < ?
       AND ${matches}${filters}`
    : `SELECT ${COLUMNS} FROM session_text_fts JOIN session_text_entries e ON e.id = session_text_fts.rowid
       WHERE session_text_fts MATCH ? AND session_text_fts.rowid >= ? AND session_text_fts.rowid < ?${filters}`;
  const chunkArgs = (upper: number, limit: number) =>
    d ? [d.value, upper, q.match, ...q.args, limit] : [q.match, upper, ...q.args, limit];
  const restArgs = (from: number, to: number) =>
    d ? [d.value, from, to, q.match, ...q.args] : [q.match, from, to, ...q.args];
  const upperFor = (ms: number) => (minuteOf(ms) + 1) * PER_MINUTE;

  return async (after: CandidateKey | null, limit: number): Promise<CandidateRow[]> => {
    let upper = after
      ? upperFor(after.sessionStartedAt)
      : q.before !== null
        ? upperFor(q.before - 1)
        : (MAX_MINUTE + 1) * PER_MINUTE;
    const rows: CandidateRow[] = [];
    for (;;) {
      const chunk = stmt(db, chunkSql).all(...chunkArgs(upper, limit)) as Array<
        CandidateRow & { id: number }
      >;
      const last = chunk[chunk.length - 1];
      if (!last) break;
      const minuteStart = Math.floor(last.id / PER_MINUTE) * PER_MINUTE;
      const rest = stmt(db, restSql).all(...restArgs(minuteStart, last.id)) as Array<
        CandidateRow & { id: number }
      >;
      const sorted = [...chunk, ...rest]
        .filter((r) => !after || isAfterKey(r, after))
        .sort(compareCandidates);
      for (const { id: _id, ...r } of sorted) rows.push(r);
      if (chunk.length < limit || rows.length >= limit) break;
      upper = minuteStart;
    }
    return rows;
  };
}
