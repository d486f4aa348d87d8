/** Policies and their versions in the embedded store; each write is one transaction. */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import type { PolicyInput, PolicyRecord } from '../policy-records';
import type { PolicyRepository } from '../policy-store';
import { stmt } from './statements';

const toPolicy = (r: { doc: string }): PolicyRecord => JSON.parse(r.doc) as PolicyRecord;

export function sqlitePolicyRepository(db: Database.Database): PolicyRepository {
  const get = (id: string) => {
    const row = stmt(db, 'SELECT doc FROM policies WHERE id = ?').get(id) as
      { doc: string } | undefined;
    return row ? toPolicy(row) : null;
  };
  const insert = (rec: PolicyRecord) => {
    stmt(db, 'INSERT INTO policies (id, version, doc, removed_at) VALUES (?, ?, ?, ?)').run(
      rec.id,
      rec.version,
      JSON.stringify(rec),
      rec.removedAt,
    );
    stmt(db, 'INSERT INTO policy_versions (policy_id, version, doc) VALUES (?, ?, ?)').run(
      rec.id,
      rec.version,
      JSON.stringify(rec),
    );
  };
  /** Replaces the current record if it is still at `from`, and keeps the new version too. */
  const write = (rec: PolicyRecord, from: number) => {
    const changed = stmt(
      db,
      'UPDATE policies SET version = ?, doc = ?, removed_at = ? WHERE id = ? AND version = ? AND removed_at IS NULL',
    ).run(rec.version, JSON.stringify(rec), rec.removedAt, rec.id, from).changes;
    if (changed === 0) return false;
    stmt(db, 'INSERT INTO policy_versions (policy_id, version, doc) VALUES (?, ?, ?)').run(
      rec.id,
      rec.version,
      JSON.stringify(rec),
    );
    return true;
  };
  const fresh = (id: string, input: PolicyInput, by: string, now: number): PolicyRecord => ({
    id,
    ...input,
    version: 1,
    createdAt: now,
    updatedAt: now,
    updatedBy: by,
    removedAt: null,
  });
  const create = db.transaction((rec: PolicyRecord) => {
    if (get(rec.id)) throw conflict(`policy ${rec.id} exists`, { details: { id: rec.id } });
    insert(rec);
    return rec;
  });
  const createIfAbsent = db.transaction((rec: PolicyRecord) => {
    if (get(rec.id)) return false;
    insert(rec);
    return true;
  });
  const update = db.transaction(
    (id: string, input: PolicyInput, expected: number, by: string, now: number) => {
      const current = get(id);
      if (!current) return null;
      if (current.removedAt !== null)
        throw conflict(`policy ${id} was removed`, { details: { id } });
      const next: PolicyRecord = {
        ...current,
        ...input,
        version: current.version + 1,
        updatedAt: now,
        updatedBy: by,
      };
      if (current.version !== expected || !write(next, expected))
        throw conflict(
          `policy ${id} is at version ${current.version}, not ${expected}: read it again`,
          { details: { id, version: current.version, expectedVersion: expected } },
        );
      return next;
    },
  );
  const remove = db.transaction((id: string, by: string, now: number) => {
    const current = get(id);
    if (!current || current.removedAt !== null) return null;
    const next: PolicyRecord = {
      ...current,
      version: current.version + 1,
      updatedAt: now,
      updatedBy: by,
      removedAt: now,
    };
    return write(next, current.version) ? next : null;
  });
  return {
    create: async (id, input, by, now) => create.immediate(fresh(id, input, by, now)),
    createIfAbsent: async (id, input, by, now) =>
      createIfAbsent.immediate(fresh(id, input, by, now)),
    get: async (id) => get(id),
    list: async (opts) =>
      (
        stmt(
          db,
          opts?.includeRemoved
            ? 'SELECT doc FROM policies ORDER BY id'
            : 'SELECT doc FROM policies WHERE removed_at IS NULL ORDER BY id',
        ).all() as Array<{ doc: string }>
      ).map(toPolicy),
    update: async (id, input, expected, by, now) => update.immediate(id, input, expected, by, now),
    remove: async (id, by, now) => remove.immediate(id, by, now),
    versions: async (id) =>
      (
        stmt(db, 'SELECT doc FROM policy_versions WHERE policy_id = ? ORDER BY version').all(
          id,
        ) as Array<{ doc: string }>
      ).map(toPolicy),
  };
}
