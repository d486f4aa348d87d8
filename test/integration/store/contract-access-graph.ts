import { describe, expect, it } from 'vitest';
import { analyseAccessGraph } from '../../../controller/access/graph/build-access-graph';
import { keyReach, whoCanReach } from '../../../controller/access/graph/reach-queries';
import type { GraphItemRow } from '../../../controller/store/access-graph-store';
import {
  inventoryItemKey,
  type NewInventoryItem,
} from '../../../controller/store/inventory-records';
import type { ContractContext } from './store-contract';

const T0 = 1_810_000_000_000;
const fp = (c: string) => `SHA256:${c.repeat(43)}`;
const [K1, K2, K3] = [fp('1'), fp('2'), fp('3')];

const line = (
  hostId: string,
  account: string,
  fingerprint: string,
  options: { name: string; value?: string }[] = [],
): NewInventoryItem<'authorized-key'> => {
  const file = `/home/${account}/.ssh/authorized_keys`;
  return {
    kind: 'authorized-key',
    hostId,
    key: inventoryItemKey('authorized-key', { account, file, fingerprint }),
    account,
    fingerprint,
    data: { file, line: 1, options, type: 'ssh-ed25519', bits: 256, comment: '', managed: false },
  };
};

const privateKey = (
  hostId: string,
  account: string,
  fingerprint: string,
  path: string,
): NewInventoryItem<'private-key'> => ({
  kind: 'private-key',
  hostId,
  key: inventoryItemKey('private-key', { path }),
  account,
  fingerprint,
  data: {
    path,
    format: 'openssh',
    encrypted: false,
    type: 'ssh-ed25519',
    bits: 256,
    mode: 0o600,
    uid: 1000,
  },
});

/** Only this section's hosts: the store holds the other sections' inventory too. */
const mine = (rows: GraphItemRow[]) => rows.filter((r) => r.hostId.startsWith('ag-'));

export function accessGraphContract(ctx: ContractContext): void {
  describe('access graph: inventory pages and snapshots', () => {
    it('pages every authorized and private key, removed ones with their time, and key uses', async () => {
      const { store } = ctx.get();
      const { items } = store.inventory;
      await items.sync(
        'authorized-key',
        'ag-a',
        [
          line('ag-a', 'alice', K1, [{ name: 'from', value: '10.0.0.1' }]),
          line('ag-a', 'carol', K3),
        ],
        T0,
      );
      await items.sync(
        'authorized-key',
        'ag-b',
        [line('ag-b', 'bob', K2), line('ag-b', 'bob', K3)],
        T0,
      );
      await items.sync(
        'private-key',
        'ag-a',
        [privateKey('ag-a', 'alice', K2, '/home/alice/.ssh/id_ed25519')],
        T0,
      );
      // carol's line goes at T0 + 100.
      await items.sync(
        'authorized-key',
        'ag-a',
        [line('ag-a', 'alice', K1, [{ name: 'from', value: '10.0.0.1' }])],
        T0 + 100,
      );
      await store.inventory.keyUsage.record('ag-b', [
        { account: 'bob', fingerprint: K2, from: '10.1.1.1', at: T0 + 50 },
      ]);

      const seen: GraphItemRow[] = [];
      let pages = 0;
      await store.accessGraph.scanItems(
        'authorized-key',
        (rows) => {
          pages++;
          seen.push(...rows);
        },
        2,
      );
      expect(pages).toBeGreaterThan(1);
      expect(
        mine(seen)
          .map((r) => [
            r.hostId,
            r.account,
            r.fingerprint,
            r.removedAt,
            JSON.parse(r.options ?? 'null'),
          ])
          // In no promised order.
          .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      ).toEqual([
        ['ag-a', 'alice', K1, null, [{ name: 'from', value: '10.0.0.1' }]],
        ['ag-a', 'carol', K3, T0 + 100, []],
        ['ag-b', 'bob', K2, null, []],
        ['ag-b', 'bob', K3, null, []],
      ]);
      const priv: GraphItemRow[] = [];
      await store.accessGraph.scanItems('private-key', (rows) => void priv.push(...rows));
      expect(mine(priv)).toEqual([
        expect.objectContaining({
          hostId: 'ag-a',
          account: 'alice',
          fingerprint: K2,
          path: '/home/alice/.ssh/id_ed25519',
          firstSeenAt: T0,
          removedAt: null,
        }),
      ]);
      const uses: unknown[] = [];
      await store.accessGraph.scanKeyUses(
        (rows) => void uses.push(...rows.filter((u) => u.hostId === 'ag-b')),
      );
      expect(uses).toEqual([
        { hostId: 'ag-b', account: 'bob', fingerprint: K2, from: '10.1.1.1', lastUsedAt: T0 + 50 },
      ]);
    });

    it('stores a graph as a snapshot in chunks, answers from it, and keeps the newest', async () => {
      const repo = ctx.get().store.accessGraph;
      const first = await analyseAccessGraph(repo, { now: T0 + 200, jobId: 'job-1' });
      const second = await analyseAccessGraph(repo, { now: T0 + 300, jobId: 'job-2', keep: 1 });
      expect(await repo.latestSnapshot()).toEqual(second.meta);
      expect(await repo.readSnapshot(first.meta.id)).toBeNull();
      const chunks = await repo.readSnapshot(second.meta.id);
      expect(Buffer.concat(chunks!).length).toBe(second.meta.bytes);

      const { graph } = second;
      expect(
        keyReach(graph, K1, { maxHops: 8, limit: 100 }).items.filter((r) =>
          r.hostId.startsWith('ag-'),
        ),
      ).toEqual([
        expect.objectContaining({ hostId: 'ag-a', account: 'alice', hops: 1 }),
        {
          hostId: 'ag-b',
          account: 'bob',
          hops: 2,
          path: [
            expect.objectContaining({
              kind: 'opens',
              fingerprint: K1,
              hostId: 'ag-a',
              account: 'alice',
              options: [{ name: 'from', value: '10.0.0.1' }],
            }),
            expect.objectContaining({
              kind: 'stored-in',
              fingerprint: K2,
              hostId: 'ag-a',
              account: 'alice',
              path: '/home/alice/.ssh/id_ed25519',
            }),
            expect.objectContaining({
              kind: 'opens',
              fingerprint: K2,
              hostId: 'ag-b',
              account: 'bob',
              lastUsedAt: T0 + 50,
              lastUsedFrom: '10.1.1.1',
            }),
          ],
        },
      ]);
      const now = whoCanReach(graph, 'ag-a', { maxHops: 8, limit: 100 });
      expect(now.items.map((r) => r.fingerprint)).toEqual([K1]);
      const before = whoCanReach(graph, 'ag-a', { at: T0 + 50, maxHops: 8, limit: 100 });
      expect(before.items.map((r) => r.fingerprint).sort()).toEqual([K1, K3]);
    });
  });
}
