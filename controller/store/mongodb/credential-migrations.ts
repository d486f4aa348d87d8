/** Indexes of host credentials (migration ids 20-29 belong to the agentless area). */
export const credentialMigrations = [
  {
    id: 20,
    name: 'sealed host credentials',
    // _id is `${hostId}:${slot}`; removeHost and listForHost go by hostId.
    indexes: { host_credentials: [{ name: 'host', key: { hostId: 1 as const } }] },
  },
  {
    // Numbered by the lead, outside this area's range (20-29).
    id: 48,
    name: 'host credentials by key fingerprint',
    // "Does Keywarden log in with this key anywhere?" (the blacklist's guard) in one lookup.
    indexes: { host_credentials: [{ name: 'fingerprint', key: { fingerprint: 1 as const } }] },
  },
];
