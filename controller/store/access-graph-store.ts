/**
 * The access graph's storage: a bounded read of the inventory rows the graph is built from,
 * and snapshots of the built graph, so queries load a graph instead of rebuilding it.
 * A snapshot is an opaque binary (controller/access/graph/graph-codec.ts) cut into chunks:
 * a MongoDB document holds at most 16 MB, and a chunk is written and read one at a time.
 * Both adapters implement it and pass test/integration/store/contract-access-graph.ts.
 */

/** One authorized-key or private-key item, reduced to what the graph keeps. */
export interface GraphItemRow {
  hostId: string;
  account: string;
  fingerprint: string;
  firstSeenAt: number;
  lastSeenAt: number;
  removedAt: number | null;
  /** authorized-key: the line's options as JSON text (`[]` when none). */
  options: string | null;
  /** private-key: the file's path. */
  path: string | null;
}

export interface GraphKeyUseRow {
  hostId: string;
  account: string;
  fingerprint: string;
  from: string;
  lastUsedAt: number;
}

export interface AccessGraphSnapshotMeta {
  id: string;
  createdAt: number;
  /** The graph-analysis job that built it (null when built outside the engine). */
  jobId: string | null;
  /** Counts of nodes and edges, shown without loading the graph. */
  stats: Record<string, number>;
  bytes: number;
  chunks: number;
}

export interface AccessGraphRepository {
  /**
   * Every item of the kind (removed ones too: they are the history), in no particular order,
   * in pages of `batch`, each handed to `onBatch` before the next is read. Items with no
   * account or fingerprint are skipped: they open nothing the graph can name.
   */
  scanItems(
    kind: 'authorized-key' | 'private-key',
    onBatch: (rows: GraphItemRow[]) => void | Promise<void>,
    batch?: number,
  ): Promise<number>;
  /** The last use of each (host, account, key) from key usage, paged like scanItems. */
  scanKeyUses(
    onBatch: (rows: GraphKeyUseRow[]) => void | Promise<void>,
    batch?: number,
  ): Promise<number>;
  /** Writes the chunks, then the meta: a snapshot is listed only once it is whole. */
  saveSnapshot(meta: AccessGraphSnapshotMeta, chunks: Buffer[]): Promise<void>;
  /** The newest whole snapshot's meta. */
  latestSnapshot(): Promise<AccessGraphSnapshotMeta | null>;
  /** A snapshot's chunks in order; null when it is gone (pruned meanwhile). */
  readSnapshot(id: string): Promise<Buffer[] | null>;
  /** Deletes all but the newest `keep` snapshots; returns how many went. */
  pruneSnapshots(keep: number): Promise<number>;
}
