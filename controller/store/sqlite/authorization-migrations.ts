/** Authorizations and their per-host placements (migration 41; 40 belongs to the inventory). */
export const authorizationMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 41,
    name: 'authorizations and placements',
    sql: `
      CREATE TABLE authorizations (
        id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, public_key TEXT NOT NULL,
        source TEXT NOT NULL, account TEXT NOT NULL,
        target_host_id TEXT, target_group_id TEXT,
        options TEXT NOT NULL, expires_at INTEGER, on_drift TEXT NOT NULL,
        state TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
        removed_by TEXT, removed_at INTEGER, updated_at INTEGER NOT NULL,
        CHECK ((target_host_id IS NULL) <> (target_group_id IS NULL))
      );
      CREATE INDEX authorizations_state ON authorizations(state, id);
      CREATE INDEX authorizations_fingerprint ON authorizations(fingerprint, id);
      CREATE INDEX authorizations_account ON authorizations(account, id);
      -- a host's scan asks which grants of its group it should hold
      CREATE INDEX authorizations_group ON authorizations(target_group_id, state) WHERE target_group_id IS NOT NULL;
      CREATE INDEX authorizations_host ON authorizations(target_host_id, state) WHERE target_host_id IS NOT NULL;
      CREATE TABLE authorization_placements (
        authorization_id TEXT NOT NULL, host_id TEXT NOT NULL, account TEXT NOT NULL,
        fingerprint TEXT NOT NULL, options TEXT NOT NULL, state TEXT NOT NULL,
        job_id TEXT, confirmed_at INTEGER, error TEXT, updated_at INTEGER NOT NULL,
        PRIMARY KEY (authorization_id, host_id)
      ) WITHOUT ROWID;
      -- "is this line covered?" and the drift check after each scan go by host and account
      CREATE INDEX placements_host ON authorization_placements(host_id, account, fingerprint);
    `,
  },
];
