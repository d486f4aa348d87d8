/**
 * Gateway sessions and their events (migration 54). The record is kept whole as JSON; the
 * columns beside it are what the finalizers, the dashboard and the API filter on.
 */
export const sessionMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 54,
    name: 'gateway sessions and session events',
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY, state TEXT NOT NULL, person_id TEXT NOT NULL, host_id TEXT NOT NULL,
        controller_id TEXT NOT NULL, started_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL,
        terminate_requested_at INTEGER, data TEXT NOT NULL
      );
      -- The finalizers and the live dashboard read open sessions by their last heartbeat.
      CREATE INDEX sessions_state_seen ON sessions(state, last_seen_at);
      CREATE INDEX sessions_person ON sessions(person_id, id);
      CREATE INDEX sessions_host ON sessions(host_id, id);
      CREATE INDEX sessions_started ON sessions(started_at);
      CREATE TABLE session_events (
        id TEXT PRIMARY KEY, session_id TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL
      );
      CREATE INDEX session_events_session ON session_events(session_id, id);
    `,
  },
];
