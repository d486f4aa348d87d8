/**
 * Numbered schema migrations. A migration that has landed is never edited: a change
 * is a new entry. Each runs in a transaction and is recorded in schema_migrations.
 */
import type Database from 'better-sqlite3';
import { credentialMigrations } from './credential-migrations';
import { agentMigrations } from './agent-migrations';
import { inventoryMigrations } from './inventory-migrations';
import { legacySecretsMigrations } from './legacy-secrets-migration';
import { jobLaneMigrations } from './job-lane-migration';
import { authorizationMigrations } from './authorization-migrations';
import { accessGraphMigrations } from './access-graph-migration';
import { alertEventMigrations } from './alert-event-migration';
import { accessReviewMigrations } from './access-review-migrations';
import { reportingMigrations } from './reporting-migration';
import { retirementExportMigrations } from './retirement-export-migration';
import { policyMigrations } from './policy-migration';
import { notificationMigrations } from './notification-migration';
import { directoryMigrations } from './directory-migration';
import { accessGrantClaimMigrations } from './access-grant-claims-migration';
import { sessionMigrations } from './session-migration';
import { sessionTextMigrations } from './session-text-migration';
import { approvalMigrations } from './approval-migrations';
import { archiveMigrations } from './archive-migration';
import { tokenPersonMigrations } from './token-person-migration';

export const migrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 1,
    name: 'jobs, workers, robots, tokens, audit, alerts',
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        state TEXT NOT NULL,
        params TEXT,
        result TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        run_at INTEGER NOT NULL,
        deadline INTEGER,
        parent_id TEXT,
        host_id TEXT,
        created_by TEXT NOT NULL,
        trigger TEXT NOT NULL,
        dedupe_key TEXT,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        worker_id TEXT,
        lease_until INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        awaiting_children INTEGER NOT NULL DEFAULT 0,
        progress TEXT
      );
      -- Claiming walks queued jobs of one type in priority order.
      CREATE INDEX jobs_queued ON jobs(type, priority DESC, run_at) WHERE state = 'queued';
      -- The watchdog looks for expired leases and overdue deadlines every tick.
      CREATE INDEX jobs_leases ON jobs(lease_until) WHERE state = 'running' AND lease_until IS NOT NULL;
      CREATE INDEX jobs_deadlines ON jobs(deadline) WHERE state = 'queued' AND deadline IS NOT NULL;
      CREATE INDEX jobs_parent ON jobs(parent_id, state) WHERE parent_id IS NOT NULL;
      CREATE INDEX jobs_awaiting ON jobs(id) WHERE awaiting_children = 1;
      CREATE INDEX jobs_state_id ON jobs(state, id);
      CREATE INDEX jobs_type_id ON jobs(type, id);
      CREATE INDEX jobs_host_id ON jobs(host_id, id) WHERE host_id IS NOT NULL;
      CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
      -- At most one active job per dedupe key; SQLite enforces it with a partial unique index.
      CREATE UNIQUE INDEX jobs_dedupe ON jobs(dedupe_key)
        WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');

      CREATE TABLE workers (
        id TEXT PRIMARY KEY, hostname TEXT NOT NULL, pid INTEGER NOT NULL,
        started_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL
      );
      CREATE TABLE robots (
        type TEXT PRIMARY KEY, instances INTEGER NOT NULL, interval_ms INTEGER,
        window_start TEXT, window_end TEXT, enabled INTEGER NOT NULL,
        next_run_at INTEGER, last_started_at INTEGER, last_job_id TEXT,
        updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL
      );
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL, revoked_at INTEGER
      );
      CREATE TABLE audit (
        id TEXT PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, subject TEXT NOT NULL, details TEXT NOT NULL
      );
      CREATE INDEX audit_action ON audit(action, id);
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, severity TEXT NOT NULL,
        subject TEXT NOT NULL, message TEXT NOT NULL, state TEXT NOT NULL,
        dedupe_key TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX alerts_open_key ON alerts(dedupe_key) WHERE state = 'open';
      CREATE INDEX alerts_state ON alerts(state, id);
    `,
  },
  {
    id: 2,
    name: 'hosts, host groups, scan schedule, reporting data, expiring records',
    sql: `
      CREATE TABLE host_groups (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,
        scan_intervals TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE TABLE hosts (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
        kind TEXT NOT NULL, state TEXT NOT NULL, group_id TEXT, host_key_fingerprint TEXT,
        management_account TEXT, agent_id TEXT, os TEXT, ssh_product TEXT, last_seen_at INTEGER,
        scan_intervals TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        -- update-job-intervals recomputes dirty hosts only; the version guards a concurrent change.
        schedule_version INTEGER NOT NULL DEFAULT 1,
        schedule_dirty INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX hosts_group ON hosts(group_id) WHERE group_id IS NOT NULL;
      CREATE INDEX hosts_state ON hosts(state, id);
      CREATE INDEX hosts_dirty ON hosts(id) WHERE schedule_dirty = 1;
      CREATE TABLE scan_defaults (
        id INTEGER PRIMARY KEY CHECK (id = 1), intervals TEXT NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE TABLE scan_schedule (
        host_id TEXT NOT NULL, scan_type TEXT NOT NULL, interval_ms INTEGER NOT NULL,
        next_due_at INTEGER NOT NULL, last_enqueued_at INTEGER, last_job_id TEXT,
        PRIMARY KEY (host_id, scan_type)
      ) WITHOUT ROWID;
      -- A scheduler tick reads only the due rows of each registered scan type.
      CREATE INDEX scan_schedule_due ON scan_schedule(scan_type, next_due_at);
      CREATE TABLE reporting_data (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL
      );
      CREATE INDEX reporting_kind ON reporting_data(kind, id);
      CREATE INDEX reporting_created ON reporting_data(created_at);
      CREATE TABLE expiring_records (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL, host_id TEXT,
        expires_at INTEGER NOT NULL, action TEXT NOT NULL, scheduled_job_id TEXT
      );
      CREATE INDEX expiring_unscheduled ON expiring_records(expires_at) WHERE scheduled_job_id IS NULL;
      CREATE INDEX expiring_scheduled ON expiring_records(expires_at) WHERE scheduled_job_id IS NOT NULL;
    `,
  },
  ...credentialMigrations,
  ...agentMigrations,
  ...inventoryMigrations,
  ...legacySecretsMigrations,
  ...jobLaneMigrations,
  ...authorizationMigrations,
  ...accessGraphMigrations,
  ...alertEventMigrations,
  ...accessReviewMigrations,
  ...reportingMigrations,
  ...retirementExportMigrations,
  ...policyMigrations,
  ...notificationMigrations,
  ...directoryMigrations,
  ...sessionMigrations,
  ...sessionTextMigrations,
  ...approvalMigrations,
  ...archiveMigrations,
  ...tokenPersonMigrations,
  ...accessGrantClaimMigrations,
];

export function migrate(db: Database.Database): void {
  db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  );
  const applied = new Set(
    (db.prepare('SELECT id FROM schema_migrations').all() as Array<{ id: number }>).map(
      (r) => r.id,
    ),
  );
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
        m.id,
        m.name,
        Date.now(),
      );
    }).immediate();
  }
}
