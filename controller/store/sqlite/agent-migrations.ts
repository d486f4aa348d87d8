/** Agents, enrollment tokens, assignments and results (migration ids 30-39 belong to agents). */
export const agentMigrations: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 30,
    name: 'agents, enrollment tokens, agent assignments and results',
    sql: `
      CREATE TABLE agents (
        id TEXT PRIMARY KEY, host_id TEXT, group_id TEXT, enrollment_token_id TEXT NOT NULL,
        settings TEXT NOT NULL, certificate_serial TEXT NOT NULL,
        certificate_not_after INTEGER NOT NULL, version TEXT NOT NULL, facts TEXT NOT NULL,
        connection_id TEXT, connected_to TEXT, last_connected_at INTEGER,
        last_disconnected_at INTEGER, connections INTEGER NOT NULL DEFAULT 0,
        next_connection_at INTEGER, enrolled_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE INDEX agents_host ON agents(host_id) WHERE host_id IS NOT NULL;
      CREATE TABLE enrollment_tokens (
        id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, icb_id TEXT NOT NULL,
        group_id TEXT, settings TEXT NOT NULL, created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        used_at INTEGER, used_by_agent TEXT
      );
      CREATE TABLE agent_assignments (
        job_id TEXT NOT NULL, attempt INTEGER NOT NULL, host_id TEXT NOT NULL,
        job_type TEXT NOT NULL, operation TEXT NOT NULL, args TEXT, timeout_ms INTEGER NOT NULL,
        state TEXT NOT NULL, connection_id TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (job_id, attempt)
      ) WITHOUT ROWID;
      -- Every gateway poll reads what its hosts must be sent.
      CREATE INDEX agent_assignments_actionable ON agent_assignments(host_id, created_at)
        WHERE state IN ('pending', 'cancelling');
      CREATE INDEX agent_assignments_open ON agent_assignments(host_id, state)
        WHERE state <> 'ended';
      CREATE INDEX agent_assignments_ended ON agent_assignments(updated_at) WHERE state = 'ended';
      CREATE TABLE agent_results (
        job_id TEXT NOT NULL, attempt INTEGER NOT NULL, host_id TEXT NOT NULL,
        agent_id TEXT NOT NULL, ok INTEGER NOT NULL, output TEXT, error TEXT,
        started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL, received_by TEXT NOT NULL,
        PRIMARY KEY (job_id, attempt)
      ) WITHOUT ROWID;
    `,
  },
  {
    id: 31,
    name: 'agent assignments and results per host operation of an attempt (step)',
    sql: `
      CREATE TABLE agent_assignments_next (
        job_id TEXT NOT NULL, attempt INTEGER NOT NULL, step INTEGER NOT NULL,
        host_id TEXT NOT NULL, job_type TEXT NOT NULL, operation TEXT NOT NULL, args TEXT,
        timeout_ms INTEGER NOT NULL, state TEXT NOT NULL, connection_id TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (job_id, attempt, step)
      ) WITHOUT ROWID;
      INSERT INTO agent_assignments_next
        SELECT job_id, attempt, 0, host_id, job_type, operation, args, timeout_ms, state,
          connection_id, created_at, updated_at FROM agent_assignments;
      CREATE TABLE agent_results_next (
        job_id TEXT NOT NULL, attempt INTEGER NOT NULL, step INTEGER NOT NULL,
        host_id TEXT NOT NULL, agent_id TEXT NOT NULL, operation TEXT NOT NULL,
        ok INTEGER NOT NULL, output TEXT, error TEXT,
        started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL, received_by TEXT NOT NULL,
        PRIMARY KEY (job_id, attempt, step)
      ) WITHOUT ROWID;
      INSERT INTO agent_results_next
        SELECT r.job_id, r.attempt, 0, r.host_id, r.agent_id, COALESCE(a.operation, ''), r.ok,
          r.output, r.error, r.started_at, r.finished_at, r.received_at, r.received_by
        FROM agent_results r
        LEFT JOIN agent_assignments a ON a.job_id = r.job_id AND a.attempt = r.attempt;
      DROP TABLE agent_assignments;
      DROP TABLE agent_results;
      ALTER TABLE agent_assignments_next RENAME TO agent_assignments;
      ALTER TABLE agent_results_next RENAME TO agent_results;
      CREATE INDEX agent_assignments_actionable ON agent_assignments(host_id, created_at)
        WHERE state IN ('pending', 'cancelling');
      CREATE INDEX agent_assignments_open ON agent_assignments(host_id, state)
        WHERE state <> 'ended';
      CREATE INDEX agent_assignments_ended ON agent_assignments(updated_at) WHERE state = 'ended';
    `,
  },
  {
    id: 32,
    name: 'agent revocation and the certificate a renewal superseded',
    sql: `
      ALTER TABLE agents ADD COLUMN previous_certificate_serial TEXT;
      ALTER TABLE agents ADD COLUMN certificate_superseded_at INTEGER;
      ALTER TABLE agents ADD COLUMN revoked_at INTEGER;
      ALTER TABLE agents ADD COLUMN revoked_by TEXT;
      ALTER TABLE agents ADD COLUMN revoked_reason TEXT;
      ALTER TABLE agents ADD COLUMN credentials_changed_at INTEGER;
      -- Every gateway sweep reads the agents whose certificates changed since its last one.
      CREATE INDEX agents_credentials_changed ON agents(credentials_changed_at)
        WHERE credentials_changed_at IS NOT NULL;
    `,
  },
];
