/** Schema of the inventory (migration ids 10-19 belong to the inventory area). */
export const inventoryMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 10,
    name: 'inventory: items, key usage, activity cursors, blacklist, host configs',
    sql: `
      CREATE TABLE inventory_items (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, host_id TEXT NOT NULL, item_key TEXT NOT NULL,
        account TEXT, fingerprint TEXT, data TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, removed_at INTEGER
      );
      -- "keys on this host" and each scan's sync read one host's items of one kind.
      CREATE INDEX inventory_host ON inventory_items(kind, host_id, item_key);
      -- "who can log in with this key" reads one fingerprint across hosts.
      CREATE INDEX inventory_fingerprint ON inventory_items(kind, fingerprint)
        WHERE fingerprint IS NOT NULL;
      CREATE TABLE key_usage (
        host_id TEXT NOT NULL, account TEXT NOT NULL, fingerprint TEXT NOT NULL,
        source TEXT NOT NULL, first_used_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (host_id, account, fingerprint, source)
      ) WITHOUT ROWID;
      CREATE INDEX key_usage_fingerprint ON key_usage(fingerprint);
      CREATE TABLE key_activity_cursors (
        host_id TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE TABLE key_blacklist (
        fingerprint TEXT PRIMARY KEY, reason TEXT NOT NULL, created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE host_configs (
        host_id TEXT PRIMARY KEY, scanned_at INTEGER NOT NULL, data TEXT NOT NULL
      );
    `,
  },
  {
    id: 40,
    name: "inventory: pages of one key's places and its counts from indexes",
    sql: `
      -- "Where is this key": its present lines in item id order, one page at a time, without
      -- sorting every line of a key authorized across the fleet.
      CREATE INDEX inventory_fingerprint_pages ON inventory_items(kind, fingerprint, removed_at, id);
      -- Its counts (lines, hosts, first seen) read from the index alone.
      CREATE INDEX inventory_fingerprint_hosts
        ON inventory_items(kind, fingerprint, removed_at, host_id, first_seen_at);
      -- Both start with (kind, fingerprint): the index of migration 10 only costs writes now.
      DROP INDEX inventory_fingerprint;
    `,
  },
];
