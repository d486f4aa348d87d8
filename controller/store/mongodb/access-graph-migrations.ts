/** Indexes of the access graph snapshots (migration 42, given to graph-analysis). */
export const accessGraphMigrations = [
  {
    id: 42,
    name: 'access graph snapshots: newest first; chunks by snapshot',
    indexes: {
      access_graph_snapshots: [{ name: 'created', key: { createdAt: -1 as const } }],
      access_graph_chunks: [{ name: 'snapshot', key: { snapshotId: 1 as const } }],
    },
  },
];
