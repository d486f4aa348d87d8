/** Access graph snapshots and the paged inventory read graph-analysis builds from. */
import type Database from 'better-sqlite3';
import type {
  AccessGraphRepository,
  AccessGraphSnapshotMeta,
  GraphItemRow,
  GraphKeyUseRow,
} from '../access-graph-store';
import { stmt } from './statements';

// Keyset pages on the inventory_host index (kind, host_id, item_key). One page is read at a
// time and the event loop is given back between pages: an open iterator would hold the
// store's one connection for the whole read, and every other query would wait or fail.
const ITEMS_PAGE = `SELECT host_id AS hostId, item_key AS k, account, fingerprint,
  first_seen_at AS firstSeenAt, last_seen_at AS lastSeenAt, removed_at AS removedAt,
  CASE kind WHEN 'authorized-key' THEN json_extract(data, '$.options') END AS options,
  CASE kind WHEN 'private-key' THEN json_extract(data, '$.path') END AS path
  FROM inventory_items WHERE kind = ? AND (host_id, item_key) > (?, ?)
  AND account IS NOT NULL AND fingerprint IS NOT NULL ORDER BY host_id, item_key LIMIT ?`;

const USES_PAGE = `SELECT host_id AS hostId, account, fingerprint, source AS "from",
  last_used_at AS lastUsedAt FROM key_usage
  WHERE (host_id, account, fingerprint, source) > (?, ?, ?, ?)
  ORDER BY host_id, account, fingerprint, source LIMIT ?`;

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

interface SnapshotRow {
  id: string;
  created_at: number;
  job_id: string | null;
  stats: string;
  bytes: number;
  chunks: number;
}

const toMeta = (r: SnapshotRow): AccessGraphSnapshotMeta => ({
  id: r.id,
  createdAt: r.created_at,
  jobId: r.job_id,
  stats: JSON.parse(r.stats) as Record<string, number>,
  bytes: r.bytes,
  chunks: r.chunks,
});

export function sqliteAccessGraph(db: Database.Database): AccessGraphRepository {
  return {
    scanItems: async (kind, onBatch, batch = 5000) => {
      let after = ['', ''];
      let total = 0;
      for (;;) {
        const rows = stmt(db, ITEMS_PAGE).all(kind, after[0], after[1], batch) as Array<
          GraphItemRow & { k: string }
        >;
        if (rows.length === 0) return total;
        const last = rows[rows.length - 1]!;
        after = [last.hostId, last.k];
        total += rows.length;
        // The extra column (the keyset's item_key) rides along unseen.
        await onBatch(rows);
        if (rows.length < batch) return total;
        await yieldToLoop();
      }
    },
    scanKeyUses: async (onBatch, batch = 5000) => {
      let after = ['', '', '', ''];
      let total = 0;
      for (;;) {
        const rows = stmt(db, USES_PAGE).all(...after, batch) as GraphKeyUseRow[];
        if (rows.length === 0) return total;
        const l = rows[rows.length - 1]!;
        after = [l.hostId, l.account, l.fingerprint, l.from];
        total += rows.length;
        await onBatch(rows);
        if (rows.length < batch) return total;
        await yieldToLoop();
      }
    },
    saveSnapshot: async (meta, chunks) => {
      const put = stmt(
        db,
        'INSERT INTO access_graph_chunks (snapshot_id, seq, data) VALUES (?, ?, ?)',
      );
      // One chunk per write, the loop given back between them; the meta row comes last.
      for (const [seq, data] of chunks.entries()) {
        put.run(meta.id, seq, data);
        await yieldToLoop();
      }
      stmt(
        db,
        `INSERT INTO access_graph_snapshots (id, created_at, job_id, stats, bytes, chunks)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(
        meta.id,
        meta.createdAt,
        meta.jobId,
        JSON.stringify(meta.stats),
        meta.bytes,
        chunks.length,
      );
    },
    latestSnapshot: async () => {
      const r = stmt(
        db,
        'SELECT * FROM access_graph_snapshots ORDER BY created_at DESC, id DESC LIMIT 1',
      ).get() as SnapshotRow | undefined;
      return r ? toMeta(r) : null;
    },
    readSnapshot: async (id) => {
      const meta = stmt(db, 'SELECT chunks FROM access_graph_snapshots WHERE id = ?').get(id) as
        { chunks: number } | undefined;
      if (!meta) return null;
      const rows = stmt(
        db,
        'SELECT data FROM access_graph_chunks WHERE snapshot_id = ? ORDER BY seq',
      ).all(id) as Array<{ data: Buffer }>;
      return rows.length === meta.chunks ? rows.map((r) => r.data) : null;
    },
    pruneSnapshots: async (keep) => {
      const old = stmt(
        db,
        'SELECT id FROM access_graph_snapshots ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?',
      ).all(keep) as Array<{ id: string }>;
      // Chunks without a meta row (a save that died half way) go too.
      db.transaction(() => {
        for (const { id } of old)
          stmt(db, 'DELETE FROM access_graph_snapshots WHERE id = ?').run(id);
        stmt(
          db,
          `DELETE FROM access_graph_chunks WHERE snapshot_id NOT IN
           (SELECT id FROM access_graph_snapshots)`,
        ).run();
      })();
      return old.length;
    },
  };
}
