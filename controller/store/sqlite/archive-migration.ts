/**
 * The data archiver's ledger and the warehouse conciliation's reports (migration 62). A
 * batch row is written after its archive file and before its records are deleted, so a
 * crash between the two leaves a batch to finish, never a deleted record without a file.
 */
export const archiveMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 62,
    name: 'archive batches, conciliation reports',
    sql: `
      CREATE TABLE archive_batches (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL,
        created_at INTEGER NOT NULL, purged_at INTEGER
      );
      CREATE INDEX archive_batches_state ON archive_batches(state, id);
      CREATE TABLE conciliation_reports (
        id TEXT PRIMARY KEY, at INTEGER NOT NULL, data TEXT NOT NULL
      );
    `,
  },
];
