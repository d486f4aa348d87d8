/**
 * Approvals (migration 58): approval requests, one decision per approver (the primary key
 * decides a race), the one application of an approved request, and the approval policies
 * of host groups. The inbox (migration 59): the IMAP settings (password sealed) and the
 * messages the Email collector took from it. The reminders (migration 73): one per approver
 * of a request, its primary key making "sent once" hold whoever races.
 */
export const approvalMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 58,
    name: 'approval requests, decisions, applications and policies',
    sql: `
      CREATE TABLE approval_requests (
        id TEXT PRIMARY KEY, state TEXT NOT NULL, subject_key TEXT,
        expires_at INTEGER NOT NULL, data TEXT NOT NULL
      );
      CREATE INDEX approval_requests_state ON approval_requests(state, expires_at);
      CREATE INDEX approval_requests_subject ON approval_requests(subject_key, id);
      CREATE TABLE approval_decisions (
        request_id TEXT NOT NULL, approver TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (request_id, approver)
      );
      CREATE TABLE approval_applications (request_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE approval_policies (host_group_id TEXT PRIMARY KEY, data TEXT NOT NULL);
    `,
  },
  {
    id: 59,
    name: 'imap settings and collected mail',
    sql: `
      CREATE TABLE imap_settings (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
      CREATE TABLE inbound_mail (
        id TEXT PRIMARY KEY, state TEXT NOT NULL, collected_at INTEGER NOT NULL, data TEXT NOT NULL
      );
      CREATE INDEX inbound_mail_state ON inbound_mail(state, collected_at, id);
    `,
  },
  {
    id: 73,
    name: 'approval reminders',
    sql: `
      CREATE TABLE approval_reminders (
        request_id TEXT NOT NULL, approver TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (request_id, approver)
      );
    `,
  },
];
