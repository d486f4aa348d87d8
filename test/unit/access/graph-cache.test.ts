import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../controller/access/graph/graph-builder';
import { encodeGraph } from '../../../controller/access/graph/graph-codec';
import { latestGraph, RECHECK_MS } from '../../../controller/access/graph/graph-cache';
import type {
  AccessGraphRepository,
  AccessGraphSnapshotMeta,
} from '../../../controller/store/access-graph-store';

const T = 1_800_000_000_000;

/** A store another controller writes snapshots into; counts the reads this one makes. */
async function storeWithSnapshots() {
  const snapshots: Array<{ meta: AccessGraphSnapshotMeta; chunks: Buffer[] }> = [];
  const reads = { latest: 0, chunks: 0 };
  const add = async (id: string, hostId: string) => {
    const b = new GraphBuilder();
    b.addAuthorizedKeys([
      {
        hostId,
        account: 'a',
        fingerprint: `SHA256:${'k'.repeat(43)}`,
        firstSeenAt: T,
        lastSeenAt: T,
        removedAt: null,
        options: null,
        path: null,
      },
    ]);
    const chunks = await encodeGraph(b.finish(T));
    snapshots.push({
      meta: {
        id,
        createdAt: T + snapshots.length,
        jobId: null,
        stats: {},
        bytes: 0,
        chunks: chunks.length,
      },
      chunks,
    });
  };
  const repo = {
    latestSnapshot: async () => {
      reads.latest++;
      return snapshots.at(-1)?.meta ?? null;
    },
    readSnapshot: async (id: string) => {
      reads.chunks++;
      return snapshots.find((s) => s.meta.id === id)?.chunks ?? null;
    },
  } as unknown as AccessGraphRepository;
  return { repo, add, reads };
}

describe('the loaded access graph', () => {
  it('says how to build one when there is none', async () => {
    const { repo } = await storeWithSnapshots();
    await expect(latestGraph(repo, T)).rejects.toThrow(
      'no access graph yet: run the graph-analysis job',
    );
  });

  it('is loaded once, and a newer snapshot from another controller is taken within the recheck time', async () => {
    const { repo, add, reads } = await storeWithSnapshots();
    await add('s1', 'host-1');
    const [x, y] = await Promise.all([latestGraph(repo, T), latestGraph(repo, T)]);
    expect(x.graph).toBe(y.graph);
    expect(reads.chunks).toBe(1);
    await add('s2', 'host-2');
    // Within the recheck time: the loaded graph, without a store read.
    const before = reads.latest;
    expect((await latestGraph(repo, T + RECHECK_MS - 1)).meta.id).toBe('s1');
    expect(reads.latest).toBe(before);
    const next = await latestGraph(repo, T + RECHECK_MS + 1);
    expect(next.meta.id).toBe('s2');
    expect([...next.graph.hostIndex.keys()]).toEqual(['host-2']);
    // Another store in the same process has its own graph.
    const other = await storeWithSnapshots();
    await expect(latestGraph(other.repo, T + RECHECK_MS + 2)).rejects.toThrow(
      'no access graph yet',
    );
  });
});
