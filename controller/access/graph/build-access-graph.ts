/** Reads the inventory page by page into an access graph, and stores it as a snapshot. */
import type {
  AccessGraphRepository,
  AccessGraphSnapshotMeta,
} from '../../store/access-graph-store';
import { newId } from '../../store/ids';
import type { AccessGraph } from './access-graph';
import { GraphBuilder } from './graph-builder';
import { encodeGraph } from './graph-codec';
import { rememberGraph } from './graph-cache';

export async function buildAccessGraph(
  repo: AccessGraphRepository,
  now: number,
  onProgress?: (p: { phase: string; rows: number }) => Promise<void> | void,
): Promise<AccessGraph> {
  const b = new GraphBuilder();
  let rows = 0;
  const progress = async (phase: string, n: number) => {
    rows += n;
    // Every ~100k rows: enough to show movement and keep the lease, little overhead.
    if (onProgress && Math.floor(rows / 100_000) !== Math.floor((rows - n) / 100_000))
      await onProgress({ phase, rows });
  };
  await repo.scanItems('authorized-key', async (page) => {
    b.addAuthorizedKeys(page);
    await progress('authorized-keys', page.length);
  });
  await repo.scanItems('private-key', async (page) => {
    b.addPrivateKeys(page);
    await progress('private-keys', page.length);
  });
  await repo.scanKeyUses(async (page) => {
    b.addKeyUses(page);
    await progress('key-usage', page.length);
  });
  return b.finish(now);
}

/** Builds, stores and keeps the newest `keep` snapshots; this process answers from it at once. */
export async function analyseAccessGraph(
  repo: AccessGraphRepository,
  opts: {
    now: number;
    jobId: string | null;
    keep?: number;
    onProgress?: Parameters<typeof buildAccessGraph>[2];
  },
): Promise<{
  meta: AccessGraphSnapshotMeta;
  graph: AccessGraph;
  phases: { readMs: number; encodeMs: number; saveMs: number };
}> {
  const t0 = performance.now();
  const graph = await buildAccessGraph(repo, opts.now, opts.onProgress);
  const t1 = performance.now();
  const chunks = await encodeGraph(graph);
  const t2 = performance.now();
  const meta: AccessGraphSnapshotMeta = {
    id: newId(opts.now),
    createdAt: opts.now,
    jobId: opts.jobId,
    stats: graph.stats,
    bytes: chunks.reduce((n, c) => n + c.length, 0),
    chunks: chunks.length,
  };
  await repo.saveSnapshot(meta, chunks);
  await repo.pruneSnapshots(opts.keep ?? 2);
  rememberGraph(repo, meta, graph);
  const ms = (a: number, b: number) => Math.round(b - a);
  return {
    meta,
    graph,
    phases: { readMs: ms(t0, t1), encodeMs: ms(t1, t2), saveMs: ms(t2, performance.now()) },
  };
}
