/**
 * Applications and their members, purge requests, the reverse DNS cache, and an index that
 * lets a key-activity purge find old logins without reading them all (migration 47).
 */
export const reportingMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 47,
    name: 'applications, purge requests, reverse DNS cache',
    sql: `
      CREATE TABLE applications (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,
        rules TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        members_computed_at INTEGER
      );
      -- account '' is the whole host
      CREATE TABLE application_members (
        application_id TEXT NOT NULL, host_id TEXT NOT NULL, account TEXT NOT NULL,
        PRIMARY KEY (application_id, host_id, account)
      ) WITHOUT ROWID;
      -- "which applications is this host (account) in": policies and reports ask per host
      CREATE INDEX application_members_host ON application_members(host_id, account);
      CREATE TABLE purge_requests (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, before INTEGER NOT NULL, reason TEXT NOT NULL,
        state TEXT NOT NULL, requested_by TEXT NOT NULL, requested_by_token TEXT NOT NULL,
        requested_at INTEGER NOT NULL, decided_by TEXT, decided_by_token TEXT, decided_at INTEGER,
        job_id TEXT, purged INTEGER, error TEXT, finished_at INTEGER
      );
      CREATE INDEX purge_requests_state ON purge_requests(state, id);
      CREATE TABLE reverse_dns (
        address TEXT PRIMARY KEY, name TEXT, error TEXT, looked_up_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX key_usage_last_used ON key_usage(last_used_at);
    `,
  },
];
