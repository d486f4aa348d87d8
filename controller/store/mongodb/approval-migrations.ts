/** Indexes of approvals (migration 58) and collected mail (migration 59), as the SQLite ones. */
type Key = Record<string, 1 | -1>;
type Indexes = Record<string, Array<{ name: string; key: Key }>>;

export const approvalMigrations: Array<{ id: number; name: string; indexes: Indexes }> = [
  {
    id: 58,
    name: 'approval requests by state and deadline, by subject; decisions by request',
    indexes: {
      approval_requests: [
        { name: 'state', key: { state: 1, expiresAt: 1 } as Key },
        { name: 'subject', key: { subjectKey: 1, _id: -1 } as Key },
      ],
      approval_decisions: [{ name: 'request', key: { requestId: 1, at: 1 } as Key }],
    },
  },
  {
    id: 59,
    name: 'collected mail by state',
    indexes: {
      inbound_mail: [{ name: 'state', key: { state: 1, collectedAt: 1, _id: 1 } as Key }],
    },
  },
];
