/**
 * Migration 72: the claims of access grants' windows (directory-records.ts
 * AccessGrantWindowClaim): one row per window of a grant, inserted once by whoever makes
 * that window's authorization; pruned by the end of the window.
 */
export const accessGrantClaimMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> =
  [
    {
      id: 72,
      name: 'access grant window claims',
      sql: `
      CREATE TABLE access_grant_window_claims (
        id TEXT PRIMARY KEY, window_ends_at INTEGER NOT NULL, data TEXT NOT NULL
      );
      CREATE INDEX access_grant_window_claims_ends ON access_grant_window_claims(window_ends_at);
    `,
    },
  ];
