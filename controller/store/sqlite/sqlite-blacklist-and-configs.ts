/** The key blacklist and the hosts' last configuration scans in the embedded store. */
import type Database from 'better-sqlite3';
import type { BlacklistRecord, HostConfigRecord } from '../inventory-records';
import type { BlacklistRepository, HostConfigRepository } from '../inventory-store';
import { stmt } from './statements';

interface BlacklistRow {
  fingerprint: string;
  reason: string;
  created_by: string;
  created_at: number;
}
const toEntry = (r: BlacklistRow): BlacklistRecord => ({
  fingerprint: r.fingerprint,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export function sqliteBlacklist(db: Database.Database): BlacklistRepository {
  const get = (fingerprint: string) => {
    const row = stmt(db, 'SELECT * FROM key_blacklist WHERE fingerprint = ?').get(fingerprint) as
      BlacklistRow | undefined;
    return row ? toEntry(row) : null;
  };
  return {
    add: async (e, now) => {
      const created =
        stmt(
          db,
          `INSERT INTO key_blacklist (fingerprint, reason, created_by, created_at) VALUES (?, ?, ?, ?)
          ON CONFLICT(fingerprint) DO NOTHING`,
        ).run(e.fingerprint, e.reason, e.createdBy, now).changes === 1;
      return { entry: get(e.fingerprint) as BlacklistRecord, created };
    },
    get: async (fingerprint) => get(fingerprint),
    list: async () =>
      (
        stmt(
          db,
          'SELECT * FROM key_blacklist ORDER BY created_at, fingerprint',
        ).all() as BlacklistRow[]
      ).map(toEntry),
  };
}

export function sqliteHostConfigs(db: Database.Database): HostConfigRepository {
  return {
    put: async (rec) => {
      stmt(
        db,
        `INSERT INTO host_configs (host_id, scanned_at, data) VALUES (?, ?, ?)
        ON CONFLICT(host_id) DO UPDATE SET scanned_at = excluded.scanned_at, data = excluded.data`,
      ).run(rec.hostId, rec.scannedAt, JSON.stringify(rec));
    },
    get: async (hostId) => {
      const row = stmt(db, 'SELECT data FROM host_configs WHERE host_id = ?').get(hostId) as
        { data: string } | undefined;
      return row ? (JSON.parse(row.data) as HostConfigRecord) : null;
    },
  };
}
