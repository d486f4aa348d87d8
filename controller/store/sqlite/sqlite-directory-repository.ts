/** People, LDAP settings, access groups and access grants in the embedded store. */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import type {
  AccessGrantRecord,
  AccessGroupRecord,
  LdapSettingsRecord,
  PersonRecord,
} from '../directory-records';
import type { DirectoryRepository } from '../directory-store';
import { sqliteDirectoryLinks } from './sqlite-directory-links';
import { stmt } from './statements';

type DataRow = { data: string };
const parse = <T>(rows: unknown[]): T[] => (rows as DataRow[]).map((r) => JSON.parse(r.data) as T);

export function sqliteDirectoryRepository(db: Database.Database): DirectoryRepository {
  return {
    ...sqliteDirectoryLinks(db),
    getLdap: async () =>
      parse<LdapSettingsRecord>(stmt(db, 'SELECT data FROM ldap_settings').all())[0] ?? null,
    putLdap: async (s) => {
      stmt(
        db,
        `INSERT INTO ldap_settings (id, data, updated_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      ).run(JSON.stringify(s), s.updatedAt);
    },
    putPerson: async (p) => {
      stmt(
        db,
        `INSERT INTO people (id, name, state, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = excluded.state, data = excluded.data`,
      ).run(p.id, p.name, p.state, JSON.stringify(p));
    },
    getPerson: async (id) =>
      parse<PersonRecord>(stmt(db, 'SELECT data FROM people WHERE id = ?').all(id))[0] ?? null,
    listPeople: async (filter = {}) =>
      filter.state
        ? parse<PersonRecord>(
            stmt(db, 'SELECT data FROM people WHERE state = ? ORDER BY name, id').all(filter.state),
          )
        : parse<PersonRecord>(stmt(db, 'SELECT data FROM people ORDER BY name, id').all()),
    addAccessGroup: async (g) => {
      const res = stmt(
        db,
        'INSERT INTO access_groups (id, data, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(g.id, JSON.stringify(g), g.createdAt);
      if (res.changes === 0)
        throw conflict(`an access group ${g.id} exists`, { details: { id: g.id } });
      return g;
    },
    getAccessGroup: async (id) =>
      parse<AccessGroupRecord>(
        stmt(db, 'SELECT data FROM access_groups WHERE id = ?').all(id),
      )[0] ?? null,
    listAccessGroups: async () =>
      parse<AccessGroupRecord>(stmt(db, 'SELECT data FROM access_groups ORDER BY id').all()),
    replaceAccessGroup: async (g) =>
      stmt(db, 'UPDATE access_groups SET data = ? WHERE id = ?').run(JSON.stringify(g), g.id)
        .changes > 0,
    removeAccessGroup: async (id) =>
      stmt(db, 'DELETE FROM access_groups WHERE id = ?').run(id).changes > 0,
    putGrant: async (g) => {
      stmt(
        db,
        `INSERT INTO access_grants (id, access_group_id, person_id, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
      ).run(g.id, g.accessGroupId, g.personId, JSON.stringify(g));
    },
    listGrants: async (filter = {}) => {
      const where: string[] = [];
      const args: string[] = [];
      if (filter.accessGroupId !== undefined) {
        where.push('access_group_id = ?');
        args.push(filter.accessGroupId);
      }
      if (filter.personId !== undefined) {
        where.push('person_id = ?');
        args.push(filter.personId);
      }
      const sql = `SELECT data FROM access_grants ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
      return parse<AccessGrantRecord>(db.prepare(sql).all(...args));
    },
    removeGrant: async (id) =>
      stmt(db, 'DELETE FROM access_grants WHERE id = ?').run(id).changes > 0,
    claimGrant: async (g) =>
      stmt(
        db,
        `INSERT INTO access_grants (id, access_group_id, person_id, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      ).run(g.id, g.accessGroupId, g.personId, JSON.stringify(g)).changes > 0,
    claimGrantWindow: async (c) =>
      stmt(
        db,
        `INSERT INTO access_grant_window_claims (id, window_ends_at, data) VALUES (?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      ).run(c.id, c.windowEndsAt, JSON.stringify(c)).changes > 0,
    pruneGrantWindowClaims: async (before) =>
      stmt(db, 'DELETE FROM access_grant_window_claims WHERE window_ends_at < ?').run(before)
        .changes,
  };
}
