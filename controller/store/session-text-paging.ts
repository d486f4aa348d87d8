/**
 * The page of a session search, the same for both adapters: an adapter only hands over
 * candidate commands in result order (newest session first, then by id, then in typing
 * order), filtered by its index; this groups them by session, keeps those that pass the
 * exact test and stops at the page size. A search reads at most MAX_SCANNED candidates;
 * past that it returns what it found with a cursor to go on from.
 */
import {
  SEARCH_LIMITS,
  encodeSearchCursor,
  matchEntry,
  type CandidateEntry,
  type ParsedSearch,
} from './session-text-search';
import type {
  SessionMetadata,
  SessionSearchHit,
  SessionSearchMatch,
  SessionSearchPage,
} from './session-text-records';

export interface CandidateRow extends CandidateEntry {
  sessionId: string;
  sessionStartedAt: number;
}

/** Candidates strictly after this one in result order; seq MAX_SAFE_INTEGER skips a session. */
export interface CandidateKey {
  sessionStartedAt: number;
  sessionId: string;
  seq: number;
}

/** Result order: newest session start first, then session id descending, then seq. */
export function compareCandidates(a: CandidateKey, b: CandidateKey): number {
  if (a.sessionStartedAt !== b.sessionStartedAt) return b.sessionStartedAt - a.sessionStartedAt;
  if (a.sessionId !== b.sessionId) return a.sessionId < b.sessionId ? 1 : -1;
  return a.seq - b.seq;
}

export const isAfterKey = (row: CandidateKey, key: CandidateKey): boolean =>
  compareCandidates(row, key) > 0;

const BATCH = 500;
const MAX_SCANNED = 50_000;

interface Group {
  sessionId: string;
  sessionStartedAt: number;
  matches: SessionSearchMatch[];
  matchCount: number;
}

export async function collectSearchPage(
  p: ParsedSearch,
  /** Candidates after `after` in result order: `limit` or more, fewer only at the end. */
  fetchBatch: (after: CandidateKey | null, limit: number) => Promise<CandidateRow[]>,
  loadSessions: (ids: string[]) => Promise<Map<string, SessionMetadata>>,
): Promise<SessionSearchPage> {
  const found: Group[] = [];
  let current: Group | null = null;
  let lastDone: Group | null = null;
  let key: CandidateKey | null = p.after ? { ...p.after, seq: Number.MAX_SAFE_INTEGER } : null;
  let scanned = 0;
  let next: Group | null = null;
  // true when a further matching session exists beyond the page
  let more = false;

  const close = (g: Group) => {
    lastDone = g;
    if (g.matchCount === 0) return;
    if (found.length < p.limit) found.push(g);
    else more = true;
  };

  outer: for (;;) {
    const rows = await fetchBatch(key, BATCH);
    for (const row of rows) {
      if (current && row.sessionId !== current.sessionId) {
        close(current);
        if (more) break outer;
        current = null;
      }
      current ??= {
        sessionId: row.sessionId,
        sessionStartedAt: row.sessionStartedAt,
        matches: [],
        matchCount: 0,
      };
      const m = matchEntry(p, row);
      if (m) {
        current.matchCount++;
        if (current.matches.length < SEARCH_LIMITS.matchesPerSession) current.matches.push(m);
      }
      scanned++;
      key = { sessionStartedAt: row.sessionStartedAt, sessionId: row.sessionId, seq: row.seq };
    }
    if (rows.length < BATCH) {
      if (current) close(current);
      break;
    }
    if (scanned >= MAX_SCANNED) {
      // The session being read may go on in the next batch: resume at its start.
      next = lastDone;
      more = true;
      break;
    }
  }
  const resumeAfter = more ? (next ?? found[found.length - 1] ?? lastDone) : null;
  const metadata = await loadSessions(found.map((g) => g.sessionId));
  const sessions: SessionSearchHit[] = [];
  for (const g of found) {
    const session = metadata.get(g.sessionId);
    if (session) sessions.push({ session, matches: g.matches, matchCount: g.matchCount });
  }
  return {
    sessions,
    nextCursor: resumeAfter
      ? encodeSearchCursor({
          sessionStartedAt: resumeAfter.sessionStartedAt,
          sessionId: resumeAfter.sessionId,
        })
      : null,
  };
}
