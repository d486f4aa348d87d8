/** Schema of host credentials (migration ids 20-29 belong to the agentless area). */
export const credentialMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 20,
    name: 'sealed host credentials',
    sql: `
      CREATE TABLE host_credentials (
        host_id TEXT NOT NULL, slot TEXT NOT NULL, kind TEXT NOT NULL, sealed TEXT NOT NULL,
        public_key TEXT, fingerprint TEXT, created_at INTEGER NOT NULL,
        PRIMARY KEY (host_id, slot)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Numbered by the lead, outside this area's range (20-29, all taken).
    id: 48,
    name: 'host credentials by key fingerprint',
    // "Does Keywarden log in with this key anywhere?" (the blacklist's guard) in one lookup.
    sql: `CREATE INDEX host_credentials_fingerprint ON host_credentials(fingerprint);`,
  },
];
