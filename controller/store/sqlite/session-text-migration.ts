/**
 * Recorded sessions as text (migration 56): the readable log, the audit's scores, and the
 * commands made searchable. The FTS5 table holds only the index (contentless, rows deleted
 * by rowid); the command lines and their text stay in session_text_entries, where the exact
 * test of a search (controller/store/session-text-search.ts) reads them. An entry's id (its
 * FTS5 rowid) orders it by its session's start minute (sqlite-session-text-candidates.ts).
 */
export const sessionTextMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 56,
    name: 'session texts: readable logs, command scores, full-text index of commands',
    sql: `
      CREATE TABLE session_texts (
        session_id TEXT PRIMARY KEY, host_id TEXT NOT NULL, person TEXT NOT NULL,
        started_at INTEGER NOT NULL, session TEXT NOT NULL, log TEXT NOT NULL,
        converted_at INTEGER NOT NULL, indexed_at INTEGER, scores TEXT, scored_at INTEGER
      );
      CREATE TABLE session_text_entries (
        id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, seq INTEGER NOT NULL,
        session_started_at INTEGER NOT NULL, started_at INTEGER NOT NULL,
        host_id TEXT NOT NULL, person TEXT NOT NULL, command TEXT NOT NULL, text TEXT NOT NULL
      );
      CREATE UNIQUE INDEX session_text_entries_session ON session_text_entries(session_id, seq);
      -- a search on one host or person walks their entries newest first
      CREATE INDEX session_text_entries_host ON session_text_entries(host_id, id);
      CREATE INDEX session_text_entries_person ON session_text_entries(person, id);
      CREATE VIRTUAL TABLE session_text_fts USING fts5(
        command, text, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2'
      );
    `,
  },
];
