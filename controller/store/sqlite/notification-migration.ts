/**
 * Email notification (migration 46): SMTP settings (the password sealed), routing rules,
 * the outbox of messages and the cursors of alert-feed consumers.
 */
export const notificationMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 46,
    name: 'email notification: smtp settings, rules, outbox, feed cursors',
    sql: `
      CREATE TABLE smtp_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE TABLE notification_rules (
        id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at INTEGER NOT NULL
      );
      CREATE TABLE email_outbox (
        id TEXT PRIMARY KEY, content TEXT NOT NULL, state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, server_response TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, sent_at INTEGER
      );
      CREATE INDEX email_outbox_created ON email_outbox(created_at, id);
      CREATE INDEX email_outbox_state ON email_outbox(state, created_at, id);
      -- expiration-notification: agents whose certificate ends soon
      CREATE INDEX agents_certificate_end ON agents(certificate_not_after);
      CREATE TABLE feed_cursors (
        consumer TEXT PRIMARY KEY, cursor TEXT, pending_to TEXT, updated_at INTEGER NOT NULL
      );
    `,
  },
];
