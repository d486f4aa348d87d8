/**
 * Key retirement and SIEM export (migration 49): quarantined authorized_keys lines with
 * their original text, each export sink's acknowledged cursors, and the audit feed.
 */
export const retirementExportMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> =
  [
    {
      id: 49,
      name: 'key quarantines, export cursors and the audit feed',
      sql: `
      CREATE TABLE key_quarantines (
        id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, host_id TEXT NOT NULL,
        account TEXT NOT NULL, file TEXT NOT NULL, original_line TEXT NOT NULL,
        quarantine_options TEXT NOT NULL, state TEXT NOT NULL, quarantined_at INTEGER NOT NULL,
        watch_until INTEGER NOT NULL, updated_at INTEGER NOT NULL, by TEXT NOT NULL,
        sshd_config_path TEXT
      );
      CREATE INDEX key_quarantines_fingerprint ON key_quarantines(fingerprint);
      -- the retirement robot reads quarantined lines whose watch period ended
      CREATE INDEX key_quarantines_watch ON key_quarantines(state, watch_until);
      CREATE TABLE export_cursors (
        sink_id TEXT PRIMARY KEY, alerts TEXT, audit TEXT, updated_at INTEGER NOT NULL
      );
      -- one row per sink and lease period: the first insert holds the period
      CREATE TABLE export_leases (
        sink_id TEXT NOT NULL, epoch INTEGER NOT NULL, holder TEXT NOT NULL,
        taken_at INTEGER NOT NULL, PRIMARY KEY (sink_id, epoch)
      );
      -- Audit ids follow each entry's own time, not the order of the writes, so the feed
      -- keeps its own sequence (AUTOINCREMENT: never reused, even after a purge empties it).
      CREATE TABLE audit_feed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, audit_id TEXT NOT NULL
      );
      CREATE INDEX audit_feed_audit ON audit_feed(audit_id);
      CREATE TRIGGER audit_feed_append AFTER INSERT ON audit
        BEGIN INSERT INTO audit_feed (audit_id) VALUES (NEW.id); END;
      CREATE TRIGGER audit_feed_purge AFTER DELETE ON audit
        BEGIN DELETE FROM audit_feed WHERE audit_id = OLD.id; END;
    `,
    },
  ];
