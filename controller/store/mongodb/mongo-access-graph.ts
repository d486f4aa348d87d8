/** Access graph snapshots in MongoDB, and the inventory read graph-analysis builds from. */
import { Binary, type Db } from 'mongodb';
import type { AccessGraphRepository, GraphItemRow, GraphKeyUseRow } from '../access-graph-store';
import { inventoryCollections } from './inventory-collections';
import { guarded } from './translate-errors';

interface SnapshotDoc {
  _id: string;
  createdAt: number;
  jobId: string | null;
  stats: Record<string, number>;
  bytes: number;
  chunks: number;
}
/** `_id` is `${snapshotId}:${seq}`, so a snapshot's chunks are one range of the _id index. */
interface ChunkDoc {
  _id: string;
  snapshotId: string;
  seq: number;
  data: Binary;
}

const chunkId = (id: string, seq: number) => `${id}:${String(seq).padStart(6, '0')}`;

export function mongoAccessGraph(db: Db): AccessGraphRepository {
  const items = inventoryCollections(db).items;
  const uses = inventoryCollections(db).keyUsage;
  const snapshots = db.collection<SnapshotDoc>('access_graph_snapshots');
  const chunks = db.collection<ChunkDoc>('access_graph_chunks');
  const repo: AccessGraphRepository = {
    scanItems: async (kind, onBatch, batch = 5000) => {
      // In no order (the graph does not need one, and a server that sorts in memory would
      // hold the whole inventory); the driver fetches a batch at a time.
      const cursor = items
        .find({ kind }, { projection: { _id: 0, kind: 0, key: 0 } })
        .batchSize(batch);
      let page: GraphItemRow[] = [];
      let total = 0;
      for await (const d of cursor) {
        if (d.account === null || d.fingerprint === null) continue;
        const data = JSON.parse(d.data) as { options?: unknown; path?: string };
        page.push({
          hostId: d.hostId,
          account: d.account,
          fingerprint: d.fingerprint,
          firstSeenAt: d.firstSeenAt,
          lastSeenAt: d.lastSeenAt,
          removedAt: d.removedAt ?? null,
          options: kind === 'authorized-key' ? JSON.stringify(data.options ?? []) : null,
          path: kind === 'private-key' ? (data.path ?? null) : null,
        });
        if (page.length >= batch) {
          total += page.length;
          await onBatch(page);
          page = [];
        }
      }
      total += page.length;
      if (page.length > 0) await onBatch(page);
      return total;
    },
    scanKeyUses: async (onBatch, batch = 5000) => {
      const cursor = uses.find({}).batchSize(batch);
      let page: GraphKeyUseRow[] = [];
      let total = 0;
      for await (const u of cursor) {
        page.push({
          hostId: u.hostId,
          account: u.account,
          fingerprint: u.fingerprint,
          from: u.from,
          lastUsedAt: u.lastUsedAt,
        });
        if (page.length >= batch) {
          total += page.length;
          await onBatch(page);
          page = [];
        }
      }
      total += page.length;
      if (page.length > 0) await onBatch(page);
      return total;
    },
    saveSnapshot: async (meta, parts) => {
      for (const [seq, data] of parts.entries())
        await chunks.insertOne({
          _id: chunkId(meta.id, seq),
          snapshotId: meta.id,
          seq,
          data: new Binary(data),
        });
      await snapshots.insertOne({
        _id: meta.id,
        createdAt: meta.createdAt,
        jobId: meta.jobId,
        stats: meta.stats,
        bytes: meta.bytes,
        chunks: parts.length,
      });
    },
    latestSnapshot: async () => {
      const [d] = await snapshots.find({}).sort({ createdAt: -1, _id: -1 }).limit(1).toArray();
      return d
        ? {
            id: d._id,
            createdAt: d.createdAt,
            jobId: d.jobId,
            stats: d.stats,
            bytes: d.bytes,
            chunks: d.chunks,
          }
        : null;
    },
    readSnapshot: async (id) => {
      const meta = await snapshots.findOne({ _id: id });
      if (!meta) return null;
      const out: Buffer[] = [];
      // One chunk per read keeps each reply small, whatever the server's message limit.
      for (let seq = 0; seq < meta.chunks; seq++) {
        const c = await chunks.findOne({ _id: chunkId(id, seq) });
        if (!c) return null;
        out.push(Buffer.from(c.data.buffer));
      }
      return out;
    },
    pruneSnapshots: async (keep) => {
      const old = await snapshots
        .find({}, { projection: { _id: 1 } })
        .sort({ createdAt: -1, _id: -1 })
        .skip(keep)
        .toArray();
      for (const { _id } of old) {
        await snapshots.deleteOne({ _id });
        await chunks.deleteMany({ snapshotId: _id });
      }
      // Chunks of a save that died before its meta was written.
      const live = (await snapshots.find({}, { projection: { _id: 1 } }).toArray()).map(
        (s) => s._id,
      );
      await chunks.deleteMany({ snapshotId: { $nin: live } });
      return old.length;
    },
  };
  return guarded('accessGraph', repo);
}
