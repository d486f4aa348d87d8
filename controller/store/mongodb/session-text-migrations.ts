/**
 * Indexes of session texts (migration 56, as the SQLite one). FerretDB, the test server,
 * has no text index, so the text index is our own: each command's distinct tokens in a
 * `terms` array (and its command line's in `commandTerms`), multikey-indexed; a search
 * asks for documents holding all its tokens and session-text-search.ts's exact test
 * decides. MongoDB and FerretDB then give the same answers as SQLite's FTS5.
 */
type Key = Record<string, 1 | -1>;

export const sessionTextMigrations = [
  {
    id: 56,
    name: 'session texts: logs, and the terms indexes of their commands',
    indexes: {
      session_texts: [{ name: 'started', key: { startedAt: -1, _id: -1 } as Key }],
      session_text_entries: [
        { name: 'session', key: { sessionId: 1, seq: 1 } as Key },
        { name: 'terms', key: { terms: 1, sessionStartedAt: -1 } as Key },
        { name: 'command_terms', key: { commandTerms: 1, sessionStartedAt: -1 } as Key },
        { name: 'host', key: { hostId: 1, sessionStartedAt: -1 } as Key },
      ],
    },
  },
];
