/** Workers, robots and tokens: plain records with a few conditional writes. */
import type Database from 'better-sqlite3';
import type { RobotRecord, Role, TokenRecord, WorkerRecord } from '../records';
import type { RobotRepository, TokenRepository, WorkerRepository } from '../store';
import { stmt } from './statements';

interface WorkerRow {
  id: string;
  hostname: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
}
const toWorker = (r: WorkerRow): WorkerRecord => ({
  id: r.id,
  hostname: r.hostname,
  pid: r.pid,
  startedAt: r.started_at,
  heartbeatAt: r.heartbeat_at,
});

export function sqliteWorkerRepository(db: Database.Database): WorkerRepository {
  return {
    upsert: async (w) => {
      stmt(
        db,
        `INSERT INTO workers (id, hostname, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      ).run(w.id, w.hostname, w.pid, w.startedAt, w.heartbeatAt);
    },
    heartbeat: async (id, now) => {
      stmt(db, 'UPDATE workers SET heartbeat_at = ? WHERE id = ?').run(now, id);
    },
    list: async () =>
      (stmt(db, 'SELECT * FROM workers ORDER BY id').all() as WorkerRow[]).map(toWorker),
    remove: async (id) => {
      stmt(db, 'DELETE FROM workers WHERE id = ?').run(id);
    },
    removeStale: async (before) =>
      (
        stmt(db, 'DELETE FROM workers WHERE heartbeat_at < ? RETURNING id').all(before) as Array<{
          id: string;
        }>
      )
        .map((r) => r.id)
        .sort(),
  };
}

interface RobotRow {
  type: string;
  instances: number;
  interval_ms: number | null;
  window_start: string | null;
  window_end: string | null;
  enabled: number;
  next_run_at: number | null;
  last_started_at: number | null;
  last_job_id: string | null;
  updated_at: number;
  updated_by: string;
}
const toRobot = (r: RobotRow): RobotRecord => ({
  type: r.type,
  instances: r.instances,
  intervalMs: r.interval_ms,
  windowStart: r.window_start,
  windowEnd: r.window_end,
  enabled: r.enabled === 1,
  nextRunAt: r.next_run_at,
  lastStartedAt: r.last_started_at,
  lastJobId: r.last_job_id,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});
const ROBOT_COLUMNS: Record<string, string> = {
  instances: 'instances',
  intervalMs: 'interval_ms',
  windowStart: 'window_start',
  windowEnd: 'window_end',
  enabled: 'enabled',
  nextRunAt: 'next_run_at',
};

export function sqliteRobotRepository(db: Database.Database): RobotRepository {
  const get = (type: string) => {
    const row = stmt(db, 'SELECT * FROM robots WHERE type = ?').get(type) as RobotRow | undefined;
    return row ? toRobot(row) : null;
  };
  return {
    ensure: async (d) => {
      stmt(
        db,
        `INSERT INTO robots (type, instances, interval_ms, window_start, window_end, enabled,
        next_run_at, last_started_at, last_job_id, updated_at, updated_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(type) DO NOTHING`,
      ).run(
        d.type,
        d.instances,
        d.intervalMs,
        d.windowStart,
        d.windowEnd,
        d.enabled ? 1 : 0,
        d.nextRunAt,
        d.lastStartedAt,
        d.lastJobId,
        d.updatedAt,
        d.updatedBy,
      );
      return get(d.type) as RobotRecord;
    },
    get: async (type) => get(type),
    list: async () =>
      (stmt(db, 'SELECT * FROM robots ORDER BY type').all() as RobotRow[]).map(toRobot),
    update: async (type, patch, by, now) => {
      const sets = ['updated_at = ?', 'updated_by = ?'];
      const args: unknown[] = [now, by];
      for (const [key, value] of Object.entries(patch)) {
        const col = ROBOT_COLUMNS[key];
        if (!col || value === undefined) continue;
        sets.push(`${col} = ?`);
        args.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
      }
      const row = db
        .prepare(`UPDATE robots SET ${sets.join(', ')} WHERE type = ? RETURNING *`)
        .get(...args, type) as RobotRow | undefined;
      return row ? toRobot(row) : null;
    },
    advance: async (type, expected, next) =>
      stmt(
        db,
        `UPDATE robots SET next_run_at = ?, last_started_at = ?, last_job_id = ?
        WHERE type = ? AND next_run_at IS ?`,
      ).run(next.nextRunAt, next.lastStartedAt, next.lastJobId, type, expected).changes === 1,
  };
}

interface TokenRow {
  id: string;
  name: string;
  role: string;
  secret_hash: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  person_id: string | null;
}
const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  secretHash: r.secret_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
  personId: r.person_id,
});

export function sqliteTokenRepository(db: Database.Database): TokenRepository {
  const one = (sql: string, ...args: unknown[]) => {
    const row = stmt(db, sql).get(...args) as TokenRow | undefined;
    return row ? toToken(row) : null;
  };
  return {
    create: async (t) => {
      stmt(
        db,
        `INSERT INTO tokens (id, name, role, secret_hash, created_at, created_by, revoked_at, person_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        t.id,
        t.name,
        t.role,
        t.secretHash,
        t.createdAt,
        t.createdBy,
        t.revokedAt,
        t.personId ?? null,
      );
    },
    findBySecretHash: async (hash) => one('SELECT * FROM tokens WHERE secret_hash = ?', hash),
    get: async (id) => one('SELECT * FROM tokens WHERE id = ?', id),
    list: async () =>
      (stmt(db, 'SELECT * FROM tokens ORDER BY id').all() as TokenRow[]).map(toToken),
    revoke: async (id, now) =>
      one(
        'UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING *',
        now,
        id,
      ),
    count: async () => (stmt(db, 'SELECT count(*) AS n FROM tokens').get() as { n: number }).n,
  };
}
