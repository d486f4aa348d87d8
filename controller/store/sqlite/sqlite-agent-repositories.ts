/** The agent repositories of the embedded store. */
import type Database from 'better-sqlite3';
import type * as A from '../agent-records';
import type {
  AgentFleetRepositories,
  AgentRepository,
  AgentResultRepository,
  AssignmentRepository,
  EnrollmentTokenRepository,
} from '../agent-store';
import { json, placeholders, stmt, unjson } from './statements';

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toAgent = (r: Row): A.AgentRecord => ({
  id: r.id as string,
  hostId: (r.host_id as string | null) ?? null,
  groupId: (r.group_id as string | null) ?? null,
  enrollmentTokenId: r.enrollment_token_id as string,
  settings: unjson(r.settings) as A.AgentSettingsRecord,
  certificateSerial: r.certificate_serial as string,
  certificateNotAfter: Number(r.certificate_not_after),
  previousCertificateSerial: (r.previous_certificate_serial as string | null) ?? null,
  certificateSupersededAt: num(r.certificate_superseded_at),
  revokedAt: num(r.revoked_at),
  revokedBy: (r.revoked_by as string | null) ?? null,
  revokedReason: (r.revoked_reason as string | null) ?? null,
  credentialsChangedAt: num(r.credentials_changed_at),
  version: r.version as string,
  facts: unjson(r.facts) as Record<string, unknown>,
  connectionId: (r.connection_id as string | null) ?? null,
  connectedTo: (r.connected_to as string | null) ?? null,
  lastConnectedAt: num(r.last_connected_at),
  lastDisconnectedAt: num(r.last_disconnected_at),
  connections: Number(r.connections),
  nextConnectionAt: num(r.next_connection_at),
  enrolledAt: Number(r.enrolled_at),
  updatedAt: Number(r.updated_at),
});

function agents(db: Database.Database): AgentRepository {
  const get = (id: string) => {
    const r = stmt(db, 'SELECT * FROM agents WHERE id = ?').get(id) as Row | undefined;
    return r ? toAgent(r) : null;
  };
  const recordConnection = (
    id: string,
    c: Parameters<AgentRepository['recordConnection']>[1],
    now: number,
  ) =>
    stmt(
      db,
      `UPDATE agents SET connection_id = ?, connected_to = ?, last_connected_at = ?,
        connections = connections + 1, version = COALESCE(?, version),
        facts = COALESCE(?, facts), updated_at = ? WHERE id = ?`,
    ).run(c.connectionId, c.controllerId, now, c.version ?? null, json(c.facts), now, id);
  const recordDisconnect = (id: string, connectionId: string, now: number) => {
    stmt(
      db,
      `UPDATE agents SET connection_id = NULL, connected_to = NULL, last_disconnected_at = ?,
        updated_at = ? WHERE id = ? AND connection_id = ?`,
    ).run(now, now, id, connectionId);
  };
  return {
    create: async (a, now) => {
      stmt(
        db,
        `INSERT INTO agents (id, group_id, enrollment_token_id, settings, certificate_serial,
          certificate_not_after, version, facts, enrolled_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        a.id,
        a.groupId,
        a.enrollmentTokenId,
        json(a.settings),
        a.certificateSerial,
        a.certificateNotAfter,
        a.version,
        json(a.facts),
        now,
        now,
      );
      return get(a.id) as A.AgentRecord;
    },
    get: async (id) => get(id),
    bindHost: async (id, hostId, now) =>
      stmt(
        db,
        'UPDATE agents SET host_id = ?, updated_at = ? WHERE id = ? AND host_id IS NULL',
      ).run(hostId, now, id).changes === 1,
    recordConnection: async (id, c, now) => {
      recordConnection(id, c, now);
    },
    recordConnections: async (items, now) =>
      db.transaction(() => items.forEach((i) => recordConnection(i.id, i.conn, now))).immediate(),
    recordDisconnect: async (id, connectionId, now) => recordDisconnect(id, connectionId, now),
    recordDisconnects: async (items, now) =>
      db
        .transaction(() => items.forEach((i) => recordDisconnect(i.id, i.connectionId, now)))
        .immediate(),
    setCertificate: async (id, cert, now) => {
      // One statement: the serial it replaces is read and kept in the same write.
      stmt(
        db,
        `UPDATE agents SET previous_certificate_serial = certificate_serial,
          certificate_superseded_at = ?, certificate_serial = ?, certificate_not_after = ?,
          credentials_changed_at = ?, updated_at = ? WHERE id = ? AND certificate_serial <> ?`,
      ).run(now, cert.serial, cert.notAfter, now, now, id, cert.serial);
    },
    revoke: async (id, rev, now) =>
      stmt(
        db,
        `UPDATE agents SET revoked_at = ?, revoked_by = ?, revoked_reason = ?,
          credentials_changed_at = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL`,
      ).run(now, rev.by, rev.reason, now, now, id).changes === 1,
    listByHost: async (hostId) =>
      (stmt(db, 'SELECT * FROM agents WHERE host_id = ?').all(hostId) as Row[]).map(toAgent),
    listCredentialChanges: async (since, limit) =>
      (
        stmt(
          db,
          `SELECT * FROM agents WHERE credentials_changed_at >= ?
          ORDER BY credentials_changed_at LIMIT ?`,
        ).all(since, limit) as Row[]
      ).map(toAgent),
    setNextConnection: async (id, at) => {
      stmt(db, 'UPDATE agents SET next_connection_at = ? WHERE id = ?').run(at, id);
    },
    count: async () => Number((stmt(db, 'SELECT COUNT(*) AS n FROM agents').get() as Row).n),
    listCertificatesEndingBefore: async (before, limit) =>
      (
        stmt(
          db,
          `SELECT * FROM agents WHERE certificate_not_after < ? AND revoked_at IS NULL
          ORDER BY certificate_not_after LIMIT ?`,
        ).all(before, limit) as Row[]
      ).map(toAgent),
  };
}

const toToken = (r: Row): A.EnrollmentTokenRecord => ({
  id: r.id as string,
  tokenHash: r.token_hash as string,
  icbId: r.icb_id as string,
  groupId: (r.group_id as string | null) ?? null,
  settings: unjson(r.settings) as A.AgentSettingsRecord,
  createdBy: r.created_by as string,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  usedAt: num(r.used_at),
  usedByAgent: (r.used_by_agent as string | null) ?? null,
});

function tokens(db: Database.Database): EnrollmentTokenRepository {
  const byHash = (h: string) => {
    const r = stmt(db, 'SELECT * FROM enrollment_tokens WHERE token_hash = ?').get(h) as
      Row | undefined;
    return r ? toToken(r) : null;
  };
  return {
    create: async (t) => {
      stmt(
        db,
        `INSERT INTO enrollment_tokens (id, token_hash, icb_id, group_id, settings, created_by,
          created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        t.id,
        t.tokenHash,
        t.icbId,
        t.groupId,
        json(t.settings),
        t.createdBy,
        t.createdAt,
        t.expiresAt,
      );
    },
    consume: async (hash, agentId, now) => {
      const won =
        stmt(
          db,
          `UPDATE enrollment_tokens SET used_at = ?, used_by_agent = ?
          WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
        ).run(now, agentId, hash, now).changes === 1;
      const token = byHash(hash);
      if (won && token) return { ok: true, token };
      if (!token) return { ok: false, reason: 'unknown', token: null };
      return { ok: false, reason: token.usedAt !== null ? 'used' : 'expired', token };
    },
    get: async (id) => {
      const r = stmt(db, 'SELECT * FROM enrollment_tokens WHERE id = ?').get(id) as Row | undefined;
      return r ? toToken(r) : null;
    },
  };
}

/** The WHERE clause naming one operation of one attempt, and its values. */
const BY_KEY = 'job_id = ? AND attempt = ? AND step = ?';
const keyValues = (k: A.OperationKey) => [k.jobId, k.attempt, k.step] as const;

const toAssignment = (r: Row): A.AssignmentRecord => ({
  jobId: r.job_id as string,
  attempt: Number(r.attempt),
  step: Number(r.step),
  hostId: r.host_id as string,
  jobType: r.job_type as string,
  operation: r.operation as string,
  args: unjson(r.args),
  timeoutMs: Number(r.timeout_ms),
  state: r.state as A.AssignmentState,
  connectionId: (r.connection_id as string | null) ?? null,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

function assignments(db: Database.Database): AssignmentRepository {
  const get = (k: A.OperationKey) => {
    const r = stmt(db, `SELECT * FROM agent_assignments WHERE ${BY_KEY}`).get(...keyValues(k)) as
      Row | undefined;
    return r ? toAssignment(r) : null;
  };
  const move = (from: A.AssignmentState[]) =>
    stmt(
      db,
      `UPDATE agent_assignments SET state = ?, updated_at = ?
      WHERE ${BY_KEY} AND state IN (${from.map((s) => `'${s}'`).join(',')})`,
    );
  return {
    put: async (a, now) => {
      stmt(
        db,
        `INSERT INTO agent_assignments (job_id, attempt, step, host_id, job_type, operation,
          args, timeout_ms, state, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
        ON CONFLICT (job_id, attempt, step) DO NOTHING`,
      ).run(...keyValues(a), a.hostId, a.jobType, a.operation, json(a.args), a.timeoutMs, now, now);
      return get(a) as A.AssignmentRecord;
    },
    get: async (k) => get(k),
    listActionable: async (hostIds, limit) => {
      const out: A.AssignmentRecord[] = [];
      // Chunks keep the statement under SQLite's variable limit for large gateways.
      for (let i = 0; i < hostIds.length && out.length < limit; i += 500) {
        const chunk = hostIds.slice(i, i + 500);
        const rows = db
          .prepare(
            `SELECT * FROM agent_assignments WHERE state IN ('pending', 'cancelling')
            AND host_id IN (${placeholders(chunk.length)}) ORDER BY created_at LIMIT ?`,
          )
          .all(...chunk, limit - out.length) as Row[];
        out.push(...rows.map(toAssignment));
      }
      return out;
    },
    listOpenForHost: async (hostId) =>
      (
        stmt(
          db,
          `SELECT * FROM agent_assignments WHERE host_id = ? AND state <> 'ended' ORDER BY created_at`,
        ).all(hostId) as Row[]
      ).map(toAssignment),
    markDelivered: async (k, connectionId, now) =>
      stmt(
        db,
        `UPDATE agent_assignments SET state = 'delivered', connection_id = ?, updated_at = ?
        WHERE ${BY_KEY} AND state IN ('pending', 'delivered', 'lost')`,
      ).run(connectionId, now, ...keyValues(k)).changes === 1,
    requestCancel: async (k, now) =>
      move(['pending', 'delivered', 'lost']).run('cancelling', now, ...keyValues(k)).changes === 1,
    markCancelSent: async (k, now) =>
      move(['cancelling']).run('cancel-sent', now, ...keyValues(k)).changes === 1,
    markCancelAcknowledged: async (k, now) =>
      move(['cancelling', 'cancel-sent']).run('cancel-acknowledged', now, ...keyValues(k))
        .changes === 1,
    reopenLost: async (k, now) => move(['lost']).run('pending', now, ...keyValues(k)).changes === 1,
    markLost: async (hostId, connectionId, now) =>
      stmt(
        db,
        `UPDATE agent_assignments SET state = 'lost', updated_at = ?
        WHERE host_id = ? AND connection_id = ? AND state = 'delivered'`,
      ).run(now, hostId, connectionId).changes,
    markEnded: async (k, now) => {
      stmt(
        db,
        `UPDATE agent_assignments SET state = 'ended', updated_at = ?
        WHERE ${BY_KEY} AND state NOT IN ('ended', 'cancel-acknowledged')`,
      ).run(now, ...keyValues(k));
    },
    purgeEnded: async (before) =>
      stmt(
        db,
        `DELETE FROM agent_assignments WHERE state IN ('ended', 'cancel-acknowledged') AND updated_at < ?`,
      ).run(before).changes,
  };
}

const toResult = (r: Row): A.AgentResultRecord => ({
  jobId: r.job_id as string,
  attempt: Number(r.attempt),
  step: Number(r.step),
  hostId: r.host_id as string,
  agentId: r.agent_id as string,
  operation: r.operation as string,
  ok: r.ok === 1,
  output: unjson(r.output),
  error: unjson(r.error) as A.AgentResultRecord['error'],
  startedAt: Number(r.started_at),
  finishedAt: Number(r.finished_at),
  receivedAt: Number(r.received_at),
  receivedBy: r.received_by as string,
});

function results(db: Database.Database): AgentResultRepository {
  const get = (k: A.OperationKey) => {
    const r = stmt(db, `SELECT * FROM agent_results WHERE ${BY_KEY}`).get(...keyValues(k)) as
      Row | undefined;
    return r ? toResult(r) : null;
  };
  return {
    insert: async (r) => {
      const created =
        stmt(
          db,
          `INSERT INTO agent_results (job_id, attempt, step, host_id, agent_id, operation, ok,
            output, error, started_at, finished_at, received_at, received_by)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (job_id, attempt, step) DO NOTHING`,
        ).run(
          ...keyValues(r),
          r.hostId,
          r.agentId,
          r.operation,
          r.ok ? 1 : 0,
          json(r.output),
          json(r.error),
          r.startedAt,
          r.finishedAt,
          r.receivedAt,
          r.receivedBy,
        ).changes === 1;
      return { created, stored: get(r) as A.AgentResultRecord };
    },
    get: async (k) => get(k),
    findSuccessBefore: async (k) => {
      const r = stmt(
        db,
        `SELECT * FROM agent_results WHERE job_id = ? AND step = ? AND attempt < ? AND ok = 1
        ORDER BY attempt DESC LIMIT 1`,
      ).get(k.jobId, k.step, k.attempt) as Row | undefined;
      return r ? toResult(r) : null;
    },
    count: async () => Number((stmt(db, 'SELECT COUNT(*) AS n FROM agent_results').get() as Row).n),
  };
}

export function sqliteAgentRepositories(db: Database.Database): AgentFleetRepositories {
  return {
    agents: agents(db),
    enrollmentTokens: tokens(db),
    assignments: assignments(db),
    results: results(db),
  };
}
