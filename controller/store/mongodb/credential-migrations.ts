/** Indexes of host credentials (migration ids 20-29 belong to the agentless area). */
export const credentialMigrations = [
  {
    id: 20,
    name: 'sealed host credentials',
    // _id is `${hostId}:${slot}`; removeHost and listForHost go by hostId.
    indexes: { host_credentials: [{ name: 'host', key: { hostId: 1 as const } }] },
  },
];
