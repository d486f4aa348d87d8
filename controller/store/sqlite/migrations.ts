/**
 * Numbered schema migrations. A migration that has landed is never edited: a change
 * is a new entry. Each runs in a transaction and is recorded in schema_migrations.
 */
import type Database from 'better-sqlite3';

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
