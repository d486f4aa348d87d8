/** Key usage and key-activity cursors in the embedded store. */
import type Database from 'better-sqlite3';
import type { KeyUsageRecord } from '../inventory-records';
import type { KeyUsageRepository } from '../inventory-store';
import { stmt } from './statements';
import { decodeUsageCursor, encodeUsageCursor } from '../usage-cursor';

interface UsageRow {
  host_id: string;
  account: string;
  fingerprint: string;
  source: string;
  first_used_at: number;
  last_used_at: number;
  count: number;
}

const toUsage = (r: UsageRow): KeyUsageRecord => ({
  hostId: r.host_id,
  account: r.account,
  fingerprint: r.fingerprint,
  from: r.source,
  firstUsedAt: r.first_used_at,
  lastUsedAt: r.last_used_at,
  count: r.count,
});

export function sqliteKeyUsage(db: Database.Database): KeyUsageRepository {
  return {
    record: async (hostId, uses) => {
      const add = stmt(
        db,
        `INSERT INTO key_usage (host_id, account, fingerprint, source, first_used_at, last_used_at, count)
        VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(host_id, account, fingerprint, source) DO UPDATE SET
        first_used_at = MIN(first_used_at, excluded.first_used_at),
        last_used_at = MAX(last_used_at, excluded.last_used_at), count = count + 1`,
      );
      db.transaction(() => {
        for (const u of uses) add.run(hostId, u.account, u.fingerprint, u.from, u.at, u.at);
      })();
    },
    list: async (f) => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (f.hostId !== undefined) {
        where.push('host_id = ?');
        args.push(f.hostId);
      }
      if (f.fingerprint !== undefined) {
        where.push('fingerprint = ?');
        args.push(f.fingerprint);
      }
      if (f.account !== undefined) {
        where.push('account = ?');
        args.push(f.account);
      }
      const sql = `SELECT * FROM key_usage ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY host_id, account, fingerprint, source`;
      return (stmt(db, sql).all(...args) as UsageRow[]).map(toUsage);
    },
    listPage: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      for (const [col, v] of [
        ['host_id', f.hostId],
        ['fingerprint', f.fingerprint],
        ['account', f.account],
      ] as const) {
        if (v === undefined) continue;
        where.push(`${col} = ?`);
        args.push(v);
      }
      if (p.after !== undefined) {
        where.push('(host_id, account, fingerprint, source) > (?, ?, ?, ?)');
        args.push(...decodeUsageCursor(p.after));
      }
      const sql = `SELECT * FROM key_usage ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY host_id, account, fingerprint, source LIMIT ?`;
      const rows = (stmt(db, sql).all(...args, p.limit + 1) as UsageRow[]).map(toUsage);
      const items = rows.slice(0, p.limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > p.limit && last ? encodeUsageCursor(last) : null };
    },
    getCursor: async (hostId) => {
      const row = stmt(db, 'SELECT cursor FROM key_activity_cursors WHERE host_id = ?').get(
        hostId,
      ) as { cursor: string } | undefined;
      return row ? (JSON.parse(row.cursor) as unknown) : null;
    },
    setCursor: async (hostId, cursor, now) => {
      stmt(
        db,
        `INSERT INTO key_activity_cursors (host_id, cursor, updated_at) VALUES (?, ?, ?)
        ON CONFLICT(host_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
      ).run(hostId, JSON.stringify(cursor), now);
    },
    purge: async (before) => {
      // In chunks (served by key_usage_last_used) with a turn of the event loop between
      // them, so a large purge never stalls the controller for long.
      const chunk = stmt(
        db,
        `DELETE FROM key_usage WHERE (host_id, account, fingerprint, source) IN
          (SELECT host_id, account, fingerprint, source FROM key_usage WHERE last_used_at < ? LIMIT 1000)`,
      );
      let total = 0;
      for (;;) {
        const n = chunk.run(before).changes;
        total += n;
        if (n < 1000) return total;
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}
