/**
 * People and directory sync (migration 52): the LDAP settings (bind password sealed),
 * people, access groups and the grants the access groups made. Migration 60: where the
 * last sync left off, keys and fleet accounts attributed to people, account mappings.
 */
export const directoryMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 52,
    name: 'people, ldap settings, access groups, access grants',
    sql: `
      CREATE TABLE ldap_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE TABLE people (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL
      );
      CREATE INDEX people_name ON people(name, id);
      CREATE TABLE access_groups (
        id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at INTEGER NOT NULL
      );
      CREATE TABLE access_grants (
        id TEXT PRIMARY KEY, access_group_id TEXT NOT NULL, person_id TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX access_grants_group ON access_grants(access_group_id, id);
      CREATE INDEX access_grants_person ON access_grants(person_id, id);
    `,
  },
  {
    id: 60,
    name: 'directory sync state, key owners, account owners and account mappings',
    sql: `
      CREATE TABLE directory_sync_state (
        id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL
      );
      CREATE TABLE key_owners (
        fingerprint TEXT PRIMARY KEY, person_id TEXT NOT NULL, data TEXT NOT NULL
      );
      CREATE INDEX key_owners_person ON key_owners(person_id, fingerprint);
      CREATE TABLE account_owners (
        id TEXT PRIMARY KEY, person_id TEXT NOT NULL, departed INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX account_owners_person ON account_owners(person_id, id);
      CREATE INDEX account_owners_departed ON account_owners(departed, id);
      CREATE TABLE account_mappings (
        id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at INTEGER NOT NULL
      );
    `,
  },
];
