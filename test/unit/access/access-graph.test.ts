import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../controller/access/graph/graph-builder';
import { decodeGraph, encodeGraph } from '../../../controller/access/graph/graph-codec';
import { subgraph, toDot, toGraphml } from '../../../controller/access/graph/graph-export';
import { keyReach, whoCanReach } from '../../../controller/access/graph/reach-queries';
import type { GraphItemRow } from '../../../controller/store/access-graph-store';

const T = 1_800_000_000_000;
const fp = (c: string) => `SHA256:${c.repeat(43)}`;
const row = (
  hostId: string,
  account: string,
  key: string,
  over: Partial<GraphItemRow> = {},
): GraphItemRow => ({
  hostId,
  account,
  fingerprint: fp(key),
  firstSeenAt: T,
  lastSeenAt: T + 10,
  removedAt: null,
  options: null,
  path: null,
  ...over,
});

/** K1 opens a@A, which stores K2; K2 opens b@B, which stores K1 again (a cycle); K3 opens c@C until T+5. */
function cyclic() {
  const b = new GraphBuilder();
  b.addAuthorizedKeys([
    row('A', 'a', '1', { options: JSON.stringify([{ name: 'command', value: 'echo "<x>" & y' }]) }),
    row('B', 'b', '2'),
    row('C', 'c', '3', { removedAt: T + 5 }),
    row('C', 'c', '2'),
  ]);
  b.addPrivateKeys([
    row('A', 'a', '2', { path: '/home/a/.ssh/id_ed25519' }),
    row('B', 'b', '1', { path: '/home/b/.ssh/id_rsa' }),
  ]);
  b.addKeyUses([
    { hostId: 'B', account: 'b', fingerprint: fp('2'), from: '10.0.0.9', lastUsedAt: T + 7 },
  ]);
  return b.finish(T + 10);
}

describe('the access graph', () => {
  it('comes back from its stored form as it was built', async () => {
    const built = cyclic();
    const loaded = await decodeGraph(await encodeGraph(built));
    expect(loaded.data).toEqual(built.data);
    expect(keyReach(loaded, fp('1'), { maxHops: 8, limit: 100 })).toEqual(
      keyReach(built, fp('1'), { maxHops: 8, limit: 100 }),
    );
  });

  it('follows stored keys through a cycle once, with the shortest path', async () => {
    const g = await decodeGraph(await encodeGraph(cyclic()));
    const { items, truncated } = keyReach(g, fp('1'), { maxHops: 8, limit: 100 });
    expect(truncated).toBe(false);
    expect(items.map((r) => [r.hostId, r.account, r.hops])).toEqual([
      ['A', 'a', 1],
      ['B', 'b', 2],
      ['C', 'c', 2],
    ]);
    expect(items[1]!.path).toEqual([
      expect.objectContaining({
        kind: 'opens',
        fingerprint: fp('1'),
        hostId: 'A',
        options: [{ name: 'command', value: 'echo "<x>" & y' }],
      }),
      expect.objectContaining({
        kind: 'stored-in',
        fingerprint: fp('2'),
        hostId: 'A',
        path: '/home/a/.ssh/id_ed25519',
      }),
      expect.objectContaining({
        kind: 'opens',
        fingerprint: fp('2'),
        hostId: 'B',
        lastUsedAt: T + 7,
        lastUsedFrom: '10.0.0.9',
      }),
    ]);
    expect(keyReach(g, fp('1'), { maxHops: 1, limit: 100 }).items).toHaveLength(1);
    expect(keyReach(g, fp('1'), { maxHops: 8, limit: 2 })).toMatchObject({
      truncated: true,
      items: [{}, {}],
    });
    expect(keyReach(g, fp('9'), { maxHops: 8, limit: 2 })).toEqual({ items: [], truncated: false });
  });

  it('answers who can reach a host now and at a past moment', () => {
    const g = cyclic();
    const now = whoCanReach(g, 'C', { maxHops: 8, limit: 100 });
    expect(now.items.map((r) => [r.fingerprint, r.hops])).toEqual([
      [fp('2'), 1],
      [fp('1'), 2],
    ]);
    // K1 -> a@A stores K2 -> c@C
    expect(now.items[1]!.path.map((s) => `${s.kind} ${s.hostId}`)).toEqual([
      'opens A',
      'stored-in A',
      'opens C',
    ]);
    const before = whoCanReach(g, 'C', { at: T + 1, maxHops: 8, limit: 100 });
    expect(before.items.map((r) => r.fingerprint)).toContain(fp('3'));
    expect(whoCanReach(g, 'C', { at: T - 1, maxHops: 8, limit: 100 }).items).toEqual([]);
    expect(whoCanReach(g, 'Z', { maxHops: 8, limit: 100 }).hostKnown).toBe(false);
  });

  it('exports DOT and GraphML with hostile option text escaped', () => {
    const g = cyclic();
    const sub = subgraph(g, { includeRemoved: true, maxEdges: 100 });
    const dot = toDot(sub);
    expect(dot).toContain(`"key:${fp('3')}" -> "account:c@C" [label="opens", color=gray];`);
    const xml = toGraphml(sub);
    expect(xml).toContain(
      '<data key="options">command=&quot;echo \\&quot;&lt;x&gt;\\&quot; &amp; y&quot;</data>',
    );
    expect(() => subgraph(g, { includeRemoved: true, maxEdges: 3 })).toThrow(
      'more than 3 edges to export',
    );
    expect(
      subgraph(g, { hostId: 'A', includeRemoved: false, maxEdges: 100 })
        .edges.map((e) => e.kind)
        .sort(),
    ).toEqual(['on', 'opens', 'stored-in']);
  });
});
