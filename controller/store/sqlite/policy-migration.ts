/**
 * Policies and their versions, and the dedupe-key indexes policy evaluation reads alerts
 * by (migration 45).
 */
export const policyMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 45,
    name: 'policies, policy versions, alerts by dedupe key',
    sql: `
      CREATE TABLE policies (
        id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL,
        removed_at INTEGER
      );
      CREATE TABLE policy_versions (
        policy_id TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (policy_id, version)
      );
      -- the latest alert of a dedupe key (was it dismissed?)
      CREATE INDEX alerts_dedupe_latest ON alerts(dedupe_key, created_at);
      -- a policy's open and dismissed alerts of one host, or of all (listActiveInRange)
      CREATE INDEX alerts_active_key ON alerts(dedupe_key) WHERE state IN ('open', 'dismissed');
    `,
  },
];
