/**
 * Table figures of the embedded store for the primary key monitor: rows, bytes (table and
 * its indexes, from the dbstat virtual table), and key headroom. An AUTOINCREMENT table
 * stops accepting rows once its sequence reaches 2^63-1 (SQLITE_FULL); another rowid
 * table then picks random free rowids, ever slower. Both are measured against that limit.
 */
import type Database from 'better-sqlite3';
import type { StoreStatsRepository, TableStat } from '../archive-store';

/** 2^63-1, the largest rowid (as the nearest double: the ratio is what matters). */
export const SQLITE_MAX_ROWID = Number(2n ** 63n - 1n);

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function sqliteStoreStatsRepository(db: Database.Database): StoreStatsRepository {
  return {
    tables: async () => {
      const tables = (
        db.pragma('table_list') as Array<{ schema: string; name: string; type: string; wr: number }>
      ).filter((t) => t.schema === 'main' && t.type === 'table' && !t.name.startsWith('sqlite_'));
      const bytes = new Map(
        (
          db
            .prepare(
              `SELECT m.tbl_name AS name, sum(d.pgsize) AS bytes
               FROM dbstat('main', 1) d JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name`,
            )
            .all() as Array<{ name: string; bytes: number }>
        ).map((r) => [r.name, r.bytes]),
      );
      const sequences = new Map(
        (
          db.prepare('SELECT name, seq FROM sqlite_sequence').safeIntegers(true).all() as Array<{
            name: string;
            seq: bigint;
          }>
        ).map((r) => [r.name, Number(r.seq)]),
      );
      const out: TableStat[] = [];
      for (const t of tables) {
        const rows = (
          db.prepare(`SELECT count(*) AS n FROM ${quote(t.name)}`).get() as { n: number }
        ).n;
        const stat: TableStat = { table: t.name, rows, bytes: bytes.get(t.name) ?? null };
        if (!t.wr) {
          const maxRowid = db
            .prepare(`SELECT max(rowid) AS m FROM ${quote(t.name)}`)
            .safeIntegers(true)
            .get() as { m: bigint | null };
          const seq = sequences.get(t.name);
          stat.key = {
            column: seq === undefined ? 'rowid' : 'rowid (AUTOINCREMENT)',
            max: Math.max(seq ?? 0, Number(maxRowid.m ?? 0n)),
            limit: SQLITE_MAX_ROWID,
          };
        }
        out.push(stat);
        // A turn of the event loop between tables: counting a large one takes a while.
        await new Promise((r) => setImmediate(r));
      }
      return out;
    },
    totalBytes: async () => {
      const pages = db.pragma('page_count', { simple: true }) as number;
      const size = db.pragma('page_size', { simple: true }) as number;
      return pages * size;
    },
  };
}
