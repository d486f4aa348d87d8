/** Indexes of authorizations and placements (migration 41, as in the SQLite store). */
type IndexSpec = { name: string; key: Record<string, 1 | -1> };

export const authorizationMigrations: Array<{
  id: number;
  name: string;
  indexes: Record<string, IndexSpec[]>;
}> = [
  {
    id: 41,
    name: 'authorizations and placements',
    indexes: {
      authorizations: [
        { name: 'state', key: { state: 1, _id: -1 } },
        { name: 'fingerprint', key: { fingerprint: 1, _id: -1 } },
        { name: 'account', key: { account: 1, _id: -1 } },
        // a host's scan asks which grants of its group (or of itself) it should hold
        { name: 'group', key: { 'target.groupId': 1, state: 1 } },
        { name: 'host', key: { 'target.hostId': 1, state: 1 } },
      ],
      // _id is `${authorizationId}|${hostId}`; "is this line covered?" goes by host and account
      authorization_placements: [
        { name: 'authorization', key: { authorizationId: 1, hostId: 1 } },
        { name: 'host', key: { hostId: 1, account: 1, fingerprint: 1 } },
      ],
    },
  },
];
