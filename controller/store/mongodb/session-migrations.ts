/** Indexes of gateway sessions and their events (migration 54, as the SQLite one). */
type Key = Record<string, 1 | -1>;

export const sessionMigrations = [
  {
    id: 54,
    name: 'gateway sessions and session events',
    indexes: {
      sessions: [
        { name: 'state_seen', key: { state: 1, lastSeenAt: 1 } as Key },
        { name: 'person', key: { personId: 1, _id: -1 } as Key },
        { name: 'host', key: { hostId: 1, _id: -1 } as Key },
        { name: 'started', key: { startedAt: 1 } as Key },
      ],
      session_events: [{ name: 'session', key: { sessionId: 1, _id: 1 } as Key }],
    },
  },
];
