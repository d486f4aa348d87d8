/**
 * What ties the directory to the fleet in the embedded store: where the last sync left off,
 * keys attributed to people, fleet accounts matched to people, and admins' account mappings.
 */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import type {
  AccountMappingRecord,
  AccountOwnerRecord,
  DirectorySyncStateRecord,
  KeyOwnerRecord,
} from '../directory-records';
import type { DirectoryLinksRepository } from '../directory-store';
import { stmt } from './statements';

type DataRow = { data: string };
const parse = <T>(rows: unknown[]): T[] => (rows as DataRow[]).map((r) => JSON.parse(r.data) as T);

export function sqliteDirectoryLinks(db: Database.Database): DirectoryLinksRepository {
  return {
    getSyncState: async () =>
      parse<DirectorySyncStateRecord>(stmt(db, 'SELECT data FROM directory_sync_state').all())[0] ??
      null,
    putSyncState: async (s) => {
      stmt(
        db,
        `INSERT INTO directory_sync_state (id, data) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
      ).run(JSON.stringify(s));
    },
    putKeyOwner: async (o) => {
      stmt(
        db,
        `INSERT INTO key_owners (fingerprint, person_id, data) VALUES (?, ?, ?)
         ON CONFLICT (fingerprint) DO UPDATE SET person_id = excluded.person_id, data = excluded.data`,
      ).run(o.fingerprint, o.personId, JSON.stringify(o));
    },
    removeKeyOwner: async (fp) =>
      stmt(db, 'DELETE FROM key_owners WHERE fingerprint = ?').run(fp).changes > 0,
    getKeyOwner: async (fp) =>
      parse<KeyOwnerRecord>(
        stmt(db, 'SELECT data FROM key_owners WHERE fingerprint = ?').all(fp),
      )[0] ?? null,
    listKeyOwners: async (filter = {}) =>
      filter.personId !== undefined
        ? parse<KeyOwnerRecord>(
            stmt(db, 'SELECT data FROM key_owners WHERE person_id = ? ORDER BY fingerprint').all(
              filter.personId,
            ),
          )
        : parse<KeyOwnerRecord>(stmt(db, 'SELECT data FROM key_owners ORDER BY fingerprint').all()),
    putAccountOwner: async (o) => {
      stmt(
        db,
        `INSERT INTO account_owners (id, person_id, departed, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET person_id = excluded.person_id,
           departed = excluded.departed, data = excluded.data`,
      ).run(o.id, o.personId, o.departed ? 1 : 0, JSON.stringify(o));
    },
    removeAccountOwner: async (id) =>
      stmt(db, 'DELETE FROM account_owners WHERE id = ?').run(id).changes > 0,
    listAccountOwners: async (filter = {}) => {
      const where: string[] = [];
      const args: Array<string | number> = [];
      if (filter.personId !== undefined) {
        where.push('person_id = ?');
        args.push(filter.personId);
      }
      if (filter.departed !== undefined) {
        where.push('departed = ?');
        args.push(filter.departed ? 1 : 0);
      }
      const sql = `SELECT data FROM account_owners ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
      return parse<AccountOwnerRecord>(db.prepare(sql).all(...args));
    },
    addAccountMapping: async (m) => {
      const res = stmt(
        db,
        'INSERT INTO account_mappings (id, data, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(m.id, JSON.stringify(m), m.createdAt);
      if (res.changes === 0)
        throw conflict(`an account mapping ${m.id} exists`, { details: { id: m.id } });
      return m;
    },
    removeAccountMapping: async (id) =>
      stmt(db, 'DELETE FROM account_mappings WHERE id = ?').run(id).changes > 0,
    listAccountMappings: async () =>
      parse<AccountMappingRecord>(stmt(db, 'SELECT data FROM account_mappings ORDER BY id').all()),
  };
}
