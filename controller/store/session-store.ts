/**
 * The repository of gateway sessions and their events (session-records.ts). Both adapters
 * implement it and pass test/integration/store/contract-sessions.ts.
 */
import type {
  SessionEventRecord,
  SessionFilter,
  SessionPatch,
  SessionRecord,
  SessionState,
} from './session-records';
import type { Page } from './store';

export interface SessionRepository {
  /** A duplicate id is a CONFLICT. */
  create(rec: SessionRecord): Promise<SessionRecord>;
  get(id: string): Promise<SessionRecord | null>;
  /** Newest first. Served by (state, lastSeenAt), (personId), (hostId) indexes. */
  list(
    filter: SessionFilter,
    page: { limit: number; after?: string },
  ): Promise<Page<SessionRecord>>;
  /**
   * Applies the patch only while the session is in one of `from` (a finalizer and the
   * holding process racing to end it: one wins); returns the record after, or null.
   */
  update(
    id: string,
    from: readonly SessionState[],
    patch: SessionPatch,
  ): Promise<SessionRecord | null>;
  /** The holding process's heartbeat for its open sessions: lastSeenAt and byte counts. */
  heartbeat(
    items: ReadonlyArray<{ id: string; bytesOut: number; bytesIn: number }>,
    now: number,
  ): Promise<void>;
  addEvent(event: SessionEventRecord): Promise<void>;
  /** Oldest first. */
  listEvents(sessionId: string): Promise<SessionEventRecord[]>;
}
