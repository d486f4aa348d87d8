/** Indexes of email notification (migration 46, as the SQLite one). */
type Key = Record<string, 1 | -1>;

export const notificationMigrations = [
  {
    id: 46,
    name: 'email notification: outbox lists, newest first and by state',
    indexes: {
      // expiration-notification: agents whose certificate ends soon
      agents: [{ name: 'certificate_end', key: { certificateNotAfter: 1 } as Key }],
      email_outbox: [
        { name: 'created', key: { createdAt: -1, _id: -1 } as Key },
        { name: 'state', key: { state: 1, createdAt: -1, _id: -1 } as Key },
      ],
    },
  },
];
