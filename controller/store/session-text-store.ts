/**
 * The repository of recorded sessions as text (session-text-records.ts). Both adapters
 * implement it and pass test/integration/store/contract-session-texts.ts; what a search
 * matches is decided once, in session-text-search.ts.
 */
import type {
  CommandScore,
  IndexedCommand,
  SessionLog,
  SessionMetadata,
  SessionSearch,
  SessionSearchPage,
  SessionTextRecord,
} from './session-text-records';

export interface SessionTextRepository {
  /**
   * Keeps a session's readable log (replacing one converted before, with its index and
   * scores: they were made from the old log). The session is not searchable until `index`.
   */
  putLog(session: SessionMetadata, log: SessionLog, now: number): Promise<void>;
  get(sessionId: string): Promise<SessionTextRecord | null>;
  /**
   * Makes the session's commands searchable, replacing what was indexed for it before;
   * false when no log is kept for it.
   */
  index(session: SessionMetadata, commands: IndexedCommand[], now: number): Promise<boolean>;
  /** Keeps the command audit's scores; false when no log is kept for the session. */
  setScores(sessionId: string, scores: CommandScore[], now: number): Promise<boolean>;
  /** Sessions with matching commands, newest first; INVALID_INPUT for a bad query. */
  search(query: SessionSearch): Promise<SessionSearchPage>;
  /** Forgets the session's log, index and scores (retention); false when none was kept. */
  remove(sessionId: string): Promise<boolean>;
}
