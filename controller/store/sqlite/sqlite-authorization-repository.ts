/** Authorizations and placements in the embedded store (authorization-store.ts). */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import type {
  AuthorizationRecord,
  AuthorizationTarget,
  PlacementRecord,
} from '../authorization-records';
import type { AuthorizationRepository } from '../authorization-store';
import { addStateIn, addWhere, page } from './page-query';
import { stmt } from './statements';

interface AuthorizationRow {
  id: string;
  fingerprint: string;
  public_key: string;
  source: string;
  account: string;
  target_host_id: string | null;
  target_group_id: string | null;
  options: string;
  expires_at: number | null;
  on_drift: string;
  state: string;
  created_by: string;
  created_at: number;
  removed_by: string | null;
  removed_at: number | null;
  updated_at: number;
}

const toAuthorization = (r: AuthorizationRow): AuthorizationRecord => ({
  id: r.id,
  fingerprint: r.fingerprint,
  publicKey: r.public_key,
  source: JSON.parse(r.source) as AuthorizationRecord['source'],
  account: r.account,
  target: (r.target_host_id !== null
    ? { hostId: r.target_host_id }
    : { groupId: r.target_group_id }) as AuthorizationTarget,
  options: JSON.parse(r.options) as AuthorizationRecord['options'],
  expiresAt: r.expires_at,
  onDrift: r.on_drift as AuthorizationRecord['onDrift'],
  state: r.state as AuthorizationRecord['state'],
  createdBy: r.created_by,
  createdAt: r.created_at,
  removedBy: r.removed_by,
  removedAt: r.removed_at,
  updatedAt: r.updated_at,
});

interface PlacementRow {
  authorization_id: string;
  host_id: string;
  account: string;
  fingerprint: string;
  options: string;
  state: string;
  job_id: string | null;
  confirmed_at: number | null;
  error: string | null;
  updated_at: number;
}

const toPlacement = (r: PlacementRow): PlacementRecord => ({
  authorizationId: r.authorization_id,
  hostId: r.host_id,
  account: r.account,
  fingerprint: r.fingerprint,
  options: JSON.parse(r.options) as PlacementRecord['options'],
  state: r.state as PlacementRecord['state'],
  jobId: r.job_id,
  confirmedAt: r.confirmed_at,
  error: r.error,
  updatedAt: r.updated_at,
});

export function sqliteAuthorizationRepository(db: Database.Database): AuthorizationRepository {
  const get = (id: string) => {
    const row = stmt(db, 'SELECT * FROM authorizations WHERE id = ?').get(id) as
      AuthorizationRow | undefined;
    return row ? toAuthorization(row) : null;
  };
  const getPlacement = (authorizationId: string, hostId: string) => {
    const row = stmt(
      db,
      'SELECT * FROM authorization_placements WHERE authorization_id = ? AND host_id = ?',
    ).get(authorizationId, hostId) as PlacementRow | undefined;
    return row ? toPlacement(row) : null;
  };
  const putPlacement = placementWriter(db);
  return {
    create: async (a) => {
      try {
        stmt(
          db,
          `INSERT INTO authorizations (id, fingerprint, public_key, source, account,
          target_host_id, target_group_id, options, expires_at, on_drift, state, created_by,
          created_at, removed_by, removed_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          a.id,
          a.fingerprint,
          a.publicKey,
          JSON.stringify(a.source),
          a.account,
          'hostId' in a.target ? a.target.hostId : null,
          'groupId' in a.target ? a.target.groupId : null,
          JSON.stringify(a.options),
          a.expiresAt,
          a.onDrift,
          a.state,
          a.createdBy,
          a.createdAt,
          a.removedBy,
          a.removedAt,
          a.updatedAt,
        );
      } catch (cause) {
        if ((cause as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
          throw conflict(`an authorization with id ${a.id} exists`, {
            cause,
            details: { id: a.id },
          });
        throw cause;
      }
      return get(a.id) as AuthorizationRecord;
    },
    get: async (id) => get(id),
    list: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addStateIn(where, args, f.state);
      const eq = (sql: string, v: unknown) => addWhere(where, args, v, sql, v);
      eq('fingerprint = ?', f.fingerprint);
      eq('account = ?', f.account);
      eq('target_host_id = ?', f.hostId);
      eq('target_group_id = ?', f.groupId);
      return page(db, 'authorizations', where, args, p, toAuthorization);
    },
    transition: async (id, from, to, now) => {
      if (from.length === 0) return null;
      const ending = to.state === 'removed' || to.state === 'expired';
      const changed = stmt(
        db,
        `UPDATE authorizations SET state = ?, updated_at = ?,
        removed_by = CASE WHEN ? THEN coalesce(removed_by, ?) ELSE removed_by END,
        removed_at = CASE WHEN ? IN ('removed', 'expired') THEN coalesce(removed_at, ?) ELSE removed_at END
        WHERE id = ? AND state IN (SELECT value FROM json_each(?))`,
      ).run(
        to.state,
        now,
        ending ? 1 : 0,
        to.by ?? null,
        to.state,
        now,
        id,
        JSON.stringify(from),
      ).changes;
      return changed === 1 ? get(id) : null;
    },
    putPlacement: async (p) => putPlacement(p),
    putPlacements: async (ps) => {
      db.transaction(() => ps.forEach(putPlacement)).immediate();
    },
    getPlacement: async (a, h) => getPlacement(a, h),
    listPlacements: async (f) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addStateIn(where, args, f.state);
      const eq = (sql: string, v: unknown) => addWhere(where, args, v, sql, v);
      eq('authorization_id = ?', f.authorizationId);
      eq('host_id = ?', f.hostId);
      eq('account = ?', f.account);
      eq('fingerprint = ?', f.fingerprint);
      const sql = `SELECT * FROM authorization_placements ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY host_id, authorization_id`;
      return (db.prepare(sql).all(...args) as PlacementRow[]).map(toPlacement);
    },
  };
}

function placementWriter(db: Database.Database) {
  return (p: PlacementRecord): void => {
    stmt(
      db,
      `INSERT INTO authorization_placements (authorization_id, host_id, account, fingerprint,
        options, state, job_id, confirmed_at, error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(authorization_id, host_id) DO UPDATE SET account = excluded.account,
        fingerprint = excluded.fingerprint, options = excluded.options, state = excluded.state,
        job_id = excluded.job_id, confirmed_at = excluded.confirmed_at, error = excluded.error,
        updated_at = excluded.updated_at`,
    ).run(
      p.authorizationId,
      p.hostId,
      p.account,
      p.fingerprint,
      JSON.stringify(p.options),
      p.state,
      p.jobId,
      p.confirmedAt,
      p.error,
      p.updatedAt,
    );
  };
}
