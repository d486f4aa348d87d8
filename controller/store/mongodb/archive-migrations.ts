/** Indexes of the archive ledger (migration 62, as the SQLite one). */
type Index = { name: string; key: Record<string, 1 | -1> };

export const archiveMigrations: Array<{
  id: number;
  name: string;
  indexes: Record<string, Index[]>;
}> = [
  {
    id: 62,
    name: 'archive batches by state',
    indexes: { archive_batches: [{ name: 'state', key: { state: 1, _id: 1 } }] },
  },
];
