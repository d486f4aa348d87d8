/** Indexes of applications, purge requests and the key-activity purge (migration 47). */
type Index = { name: string; key: Record<string, 1 | -1> };

export const reportingMigrations: Array<{
  id: number;
  name: string;
  indexes: Record<string, Index[]>;
}> = [
  {
    id: 47,
    name: 'applications by name, members by host, purge requests by state, logins by age',
    indexes: {
      applications: [{ name: 'name', key: { name: 1 } }],
      application_members: [
        { name: 'app', key: { applicationId: 1, hostId: 1, account: 1 } },
        { name: 'host', key: { hostId: 1, account: 1 } },
        { name: 'generation', key: { applicationId: 1, generation: 1 } },
      ],
      purge_requests: [{ name: 'state', key: { state: 1, _id: -1 } }],
      key_usage: [{ name: 'last_used', key: { lastUsedAt: 1 } }],
    },
  },
];
