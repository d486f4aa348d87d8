/** Purge requests and the reverse DNS cache in the embedded store. */
import type Database from 'better-sqlite3';
import { newId } from '../ids';
import type {
  PurgeRequestRecord,
  PurgeRequestRepository,
  ReverseDnsRecord,
  ReverseDnsRepository,
} from '../reporting-store';
import { addStateIn, page } from './page-query';
import { placeholders, stmt } from './statements';

interface PurgeRow {
  id: string;
  kind: string;
  before: number;
  reason: string;
  state: string;
  requested_by: string;
  requested_by_token: string;
  requested_at: number;
  decided_by: string | null;
  decided_by_token: string | null;
  decided_at: number | null;
  job_id: string | null;
  purged: number | null;
  error: string | null;
  finished_at: number | null;
}
const toPurge = (r: PurgeRow): PurgeRequestRecord => ({
  id: r.id,
  kind: r.kind as PurgeRequestRecord['kind'],
  before: r.before,
  reason: r.reason,
  state: r.state as PurgeRequestRecord['state'],
  requestedBy: r.requested_by,
  requestedByToken: r.requested_by_token,
  requestedAt: r.requested_at,
  decidedBy: r.decided_by,
  decidedByToken: r.decided_by_token,
  decidedAt: r.decided_at,
  jobId: r.job_id,
  purged: r.purged,
  error: r.error,
  finishedAt: r.finished_at,
});

export function sqlitePurgeRequestRepository(db: Database.Database): PurgeRequestRepository {
  const get = (id: string) => {
    const row = stmt(db, 'SELECT * FROM purge_requests WHERE id = ?').get(id) as
      PurgeRow | undefined;
    return row ? toPurge(row) : null;
  };
  return {
    create: async (r) => {
      const id = newId(r.requestedAt);
      stmt(
        db,
        `INSERT INTO purge_requests (id, kind, before, reason, state, requested_by,
        requested_by_token, requested_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`,
      ).run(id, r.kind, r.before, r.reason, r.requestedBy, r.requestedByToken, r.requestedAt);
      return get(id) as PurgeRequestRecord;
    },
    get: async (id) => get(id),
    list: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addStateIn(where, args, f.state);
      return page(db, 'purge_requests', where, args, p, toPurge);
    },
    decide: async (id, d) => {
      const n = stmt(
        db,
        `UPDATE purge_requests SET state = ?, decided_by = ?, decided_by_token = ?, decided_at = ?
        WHERE id = ? AND state = 'pending'`,
      ).run(d.state, d.by, d.byToken, d.at, id).changes;
      return n === 1 ? get(id) : null;
    },
    setJob: async (id, jobId) => {
      stmt(db, 'UPDATE purge_requests SET job_id = ? WHERE id = ?').run(jobId, id);
    },
    finish: async (id, e) => {
      const n = stmt(
        db,
        `UPDATE purge_requests SET state = ?, purged = ?, error = ?, finished_at = ?
        WHERE id = ? AND state = 'approved'`,
      ).run(e.state, e.purged, e.error, e.at, id).changes;
      return n === 1 ? get(id) : null;
    },
  };
}

interface DnsRow {
  address: string;
  name: string | null;
  error: string | null;
  looked_up_at: number;
  expires_at: number;
}

export function sqliteReverseDnsRepository(db: Database.Database): ReverseDnsRepository {
  return {
    put: async (records) => {
      const put = stmt(
        db,
        `INSERT INTO reverse_dns (address, name, error, looked_up_at, expires_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(address) DO UPDATE SET name = excluded.name, error = excluded.error,
        looked_up_at = excluded.looked_up_at, expires_at = excluded.expires_at`,
      );
      db.transaction(() => {
        for (const r of records) put.run(r.address, r.name, r.error, r.lookedUpAt, r.expiresAt);
      })();
    },
    get: async (addresses) => {
      const out: ReverseDnsRecord[] = [];
      for (let i = 0; i < addresses.length; i += 500) {
        const part = addresses.slice(i, i + 500);
        const rows = db
          .prepare(`SELECT * FROM reverse_dns WHERE address IN (${placeholders(part.length)})`)
          .all(...part) as DnsRow[];
        for (const r of rows)
          out.push({
            address: r.address,
            name: r.name,
            error: r.error,
            lookedUpAt: r.looked_up_at,
            expiresAt: r.expires_at,
          });
      }
      return out;
    },
  };
}
