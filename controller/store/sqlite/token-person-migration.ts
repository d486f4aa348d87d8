/**
 * A token may speak for a directory person (migration 70): the console's web terminal opens
 * gateway sessions as the person its token is linked to. Nullable: most tokens are nobody's.
 */
export const tokenPersonMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 70,
    name: 'tokens linked to a person',
    sql: `ALTER TABLE tokens ADD COLUMN person_id TEXT;`,
  },
];
