/** Snapshots of the access graph (migration 42, given to graph-analysis). */
export const accessGraphMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 42,
    name: 'access graph snapshots and their chunks',
    sql: `
      CREATE TABLE access_graph_snapshots (
        id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, job_id TEXT, stats TEXT NOT NULL,
        bytes INTEGER NOT NULL, chunks INTEGER NOT NULL
      );
      CREATE TABLE access_graph_chunks (
        snapshot_id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (snapshot_id, seq)
      );
      -- graph-analysis reads every authorized key, removed ones too, in (host, key) pages:
      -- inventory_host serves it, no new index is needed.
    `,
  },
];
