/** Sealed host credentials in the embedded store: one row per (host, slot). */
import type Database from 'better-sqlite3';
import type {
  CredentialSlot,
  HostCredentialRecord,
  HostCredentialRepository,
} from '../credential-records';
import { stmt } from './statements';

interface CredentialRow {
  host_id: string;
  slot: CredentialSlot;
  kind: HostCredentialRecord['kind'];
  sealed: string;
  public_key: string | null;
  fingerprint: string | null;
  created_at: number;
}

const toRecord = (r: CredentialRow): HostCredentialRecord => ({
  hostId: r.host_id,
  slot: r.slot,
  kind: r.kind,
  sealed: r.sealed,
  publicKey: r.public_key,
  fingerprint: r.fingerprint,
  createdAt: r.created_at,
});

export function sqliteHostCredentialRepository(db: Database.Database): HostCredentialRepository {
  return {
    put: async (rec) => {
      stmt(
        db,
        `INSERT INTO host_credentials (host_id, slot, kind, sealed, public_key, fingerprint, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (host_id, slot) DO UPDATE SET kind = excluded.kind, sealed = excluded.sealed,
           public_key = excluded.public_key, fingerprint = excluded.fingerprint,
           created_at = excluded.created_at`,
      ).run(
        rec.hostId,
        rec.slot,
        rec.kind,
        rec.sealed,
        rec.publicKey,
        rec.fingerprint,
        rec.createdAt,
      );
    },
    get: async (hostId, slot) => {
      const row = stmt(db, 'SELECT * FROM host_credentials WHERE host_id = ? AND slot = ?').get(
        hostId,
        slot,
      ) as CredentialRow | undefined;
      return row ? toRecord(row) : null;
    },
    listForHost: async (hostId) =>
      (
        stmt(db, 'SELECT * FROM host_credentials WHERE host_id = ? ORDER BY slot').all(
          hostId,
        ) as CredentialRow[]
      ).map(toRecord),
    listByFingerprint: async (fingerprint) =>
      (
        stmt(db, 'SELECT * FROM host_credentials WHERE fingerprint = ? ORDER BY host_id, slot').all(
          fingerprint,
        ) as CredentialRow[]
      ).map(toRecord),
    remove: async (hostId, slot) =>
      stmt(db, 'DELETE FROM host_credentials WHERE host_id = ? AND slot = ?').run(hostId, slot)
        .changes > 0,
    removeHost: async (hostId) =>
      stmt(db, 'DELETE FROM host_credentials WHERE host_id = ?').run(hostId).changes,
  };
}
