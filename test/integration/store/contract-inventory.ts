import { describe, expect, it } from 'vitest';
import {
  inventoryItemKey,
  type HostConfigRecord,
  type NewInventoryItem,
} from '../../../controller/store/inventory-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;
const FP_A = 'SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const FP_B = 'SHA256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

const authKey = (
  hostId: string,
  account: string,
  fingerprint: string,
  over: Partial<NewInventoryItem<'authorized-key'>['data']> = {},
): NewInventoryItem<'authorized-key'> => {
  const file = over.file ?? `/home/${account}/.ssh/authorized_keys`;
  return {
    kind: 'authorized-key',
    hostId,
    key: inventoryItemKey('authorized-key', { account, file, fingerprint }),
    account,
    fingerprint,
    data: {
      file,
      line: 1,
      options: [{ name: 'from', value: '10.0.0.1' }],
      type: 'ssh-ed25519',
      bits: 256,
      comment: 'c',
      managed: false,
      ...over,
    },
  };
};

export function inventoryContract(ctx: ContractContext): void {
  describe('inventory: items, key usage, blacklist, host configs', () => {
    it('keeps a key that is no longer found as removed, with first and last seen', async () => {
      const { items } = ctx.get().store.inventory;
      const first = await items.sync(
        'authorized-key',
        'inv-h1',
        [authKey('inv-h1', 'alice', FP_A), authKey('inv-h1', 'bob', FP_B, { line: 3 })],
        T0,
      );
      expect(first).toEqual({ added: 2, kept: 0, removed: 0 });
      const second = await items.sync(
        'authorized-key',
        'inv-h1',
        [authKey('inv-h1', 'alice', FP_A, { line: 2 })],
        T0 + 10,
      );
      expect(second).toEqual({ added: 0, kept: 1, removed: 1 });
      const present = await items.list('authorized-key', { hostId: 'inv-h1' });
      expect(present).toEqual([
        expect.objectContaining({
          account: 'alice',
          fingerprint: FP_A,
          firstSeenAt: T0,
          lastSeenAt: T0 + 10,
          removedAt: null,
          data: expect.objectContaining({
            line: 2,
            options: [{ name: 'from', value: '10.0.0.1' }],
          }),
        }),
      ]);
      const all = await items.list('authorized-key', { hostId: 'inv-h1', includeRemoved: true });
      expect(all.map((i) => [i.account, i.removedAt])).toEqual([
        ['alice', null],
        ['bob', T0 + 10],
      ]);
      // Found again: present again, first seen unchanged.
      await items.sync(
        'authorized-key',
        'inv-h1',
        [authKey('inv-h1', 'alice', FP_A), authKey('inv-h1', 'bob', FP_B)],
        T0 + 20,
      );
      expect(
        (await items.list('authorized-key', { hostId: 'inv-h1', account: 'bob' }))[0],
      ).toMatchObject({ firstSeenAt: T0, lastSeenAt: T0 + 20, removedAt: null });
    });

    it('limits removal to the accounts a scan covered, and answers who can log in where', async () => {
      const { items } = ctx.get().store.inventory;
      await items.sync('authorized-key', 'inv-h2', [authKey('inv-h2', 'carol', FP_A)], T0);
      const scoped = await items.sync('authorized-key', 'inv-h1', [], T0 + 30, {
        accounts: ['bob'],
      });
      expect(scoped).toEqual({ added: 0, kept: 0, removed: 1 });
      const who = await items.list('authorized-key', { fingerprint: FP_A });
      expect(who.map((i) => [i.hostId, i.account])).toEqual([
        ['inv-h1', 'alice'],
        ['inv-h2', 'carol'],
      ]);
      expect(await items.list('authorized-key', { fingerprint: FP_B })).toEqual([]);
      // Kinds are apart: an account sync does not touch keys.
      await items.sync('account', 'inv-h1', [], T0 + 40);
      expect(await items.list('authorized-key', { hostId: 'inv-h1' })).toHaveLength(1);
    });

    it('records single edits: an added key is present, a removed one marked', async () => {
      const { items } = ctx.get().store.inventory;
      const added = authKey('inv-h3', 'dave', FP_B, { managed: true });
      await items.upsert(added, T0 + 50);
      expect(await items.list('authorized-key', { hostId: 'inv-h3' })).toEqual([
        expect.objectContaining({
          firstSeenAt: T0 + 50,
          data: expect.objectContaining({ managed: true }),
        }),
      ]);
      expect(await items.markRemoved('authorized-key', 'inv-h3', [added.key], T0 + 60)).toBe(1);
      expect(await items.markRemoved('authorized-key', 'inv-h3', [added.key], T0 + 70)).toBe(0);
      const [gone] = await items.list('authorized-key', { hostId: 'inv-h3', includeRemoved: true });
      expect(gone?.removedAt).toBe(T0 + 60);
    });

    it('lets a scan that read the host before an edit neither undo nor overwrite the edit', async () => {
      const { items } = ctx.get().store.inventory;
      const hand = authKey('inv-h4', 'erin', FP_A);
      const managed = authKey('inv-h4', 'erin', FP_B, { managed: true });
      await items.sync('authorized-key', 'inv-h4', [hand], T0);
      // Edits at T0+100: a key added, and the hand-written key's line re-optioned.
      await items.upsert(managed, T0 + 100);
      const reoptioned = authKey('inv-h4', 'erin', FP_A, { options: [] });
      await items.upsert(reoptioned, T0 + 100);
      // A scan that read the host at T0+50, before the edits, is ingested after them.
      const stale = await items.sync('authorized-key', 'inv-h4', [hand], T0 + 50);
      expect(stale.removed).toBe(0);
      const now = await items.list('authorized-key', { hostId: 'inv-h4' });
      const byFp = new Map(now.map((i) => [i.fingerprint, i]));
      expect(byFp.get(FP_A)).toMatchObject({ lastSeenAt: T0 + 100, data: { options: [] } });
      expect(byFp.get(FP_B)).toMatchObject({ lastSeenAt: T0 + 100, data: { managed: true } });
      // An edit removes the managed key at T0+200; a scan read at T0+150 still saw it.
      await items.markRemoved('authorized-key', 'inv-h4', [managed.key], T0 + 200);
      await items.sync('authorized-key', 'inv-h4', [reoptioned, managed], T0 + 150);
      const [gone] = await items.list('authorized-key', {
        hostId: 'inv-h4',
        fingerprint: FP_B,
        includeRemoved: true,
      });
      expect(gone?.removedAt).toBe(T0 + 200);
      // A scan read after the edits is the truth again: what it does not see is removed.
      const fresh = await items.sync('authorized-key', 'inv-h4', [], T0 + 300);
      expect(fresh.removed).toBe(1);
      expect(await items.list('authorized-key', { hostId: 'inv-h4' })).toEqual([]);
    });

    it('adds key usage per source: last used only moves forward; the cursor round-trips', async () => {
      const { keyUsage } = ctx.get().store.inventory;
      await keyUsage.record('inv-h1', [
        { account: 'alice', fingerprint: FP_A, from: '10.0.0.1', at: T0 + 5 },
        { account: 'alice', fingerprint: FP_A, from: '10.0.0.1', at: T0 + 2 },
        { account: 'alice', fingerprint: FP_A, from: '10.0.0.9', at: T0 + 7 },
      ]);
      await keyUsage.record('inv-h2', [
        { account: 'carol', fingerprint: FP_B, from: '10.0.0.2', at: T0 },
      ]);
      expect(await keyUsage.list({ fingerprint: FP_A })).toEqual([
        {
          hostId: 'inv-h1',
          account: 'alice',
          fingerprint: FP_A,
          from: '10.0.0.1',
          firstUsedAt: T0 + 2,
          lastUsedAt: T0 + 5,
          count: 2,
        },
        {
          hostId: 'inv-h1',
          account: 'alice',
          fingerprint: FP_A,
          from: '10.0.0.9',
          firstUsedAt: T0 + 7,
          lastUsedAt: T0 + 7,
          count: 1,
        },
      ]);
      expect((await keyUsage.list({ hostId: 'inv-h2' })).map((u) => u.account)).toEqual(['carol']);
      expect(await keyUsage.getCursor('inv-h1')).toBeNull();
      const cursor = {
        '/var/log/auth.log': { timeMs: T0, countAtTime: 2, file: { identity: '1:2', offset: 9 } },
      };
      await keyUsage.setCursor('inv-h1', cursor, T0);
      await keyUsage.setCursor('inv-h1', { ...cursor, x: 1 }, T0 + 1);
      expect(await keyUsage.getCursor('inv-h1')).toEqual({ ...cursor, x: 1 });
    });

    it('blacklists a fingerprint once: the first entry stays', async () => {
      const { blacklist } = ctx.get().store.inventory;
      const a = await blacklist.add(
        { fingerprint: FP_B, reason: 'leaked', createdBy: 'admin' },
        T0,
      );
      const b = await blacklist.add(
        { fingerprint: FP_B, reason: 'again', createdBy: 'other' },
        T0 + 1,
      );
      expect(a).toEqual({
        created: true,
        entry: { fingerprint: FP_B, reason: 'leaked', createdBy: 'admin', createdAt: T0 },
      });
      expect(b).toEqual({ created: false, entry: a.entry });
      expect(await blacklist.get(FP_A)).toBeNull();
      expect(await blacklist.list()).toEqual([a.entry]);
    });

    it('keeps the last configuration scan of a host', async () => {
      const { hostConfigs } = ctx.get().store.inventory;
      const rec: HostConfigRecord = {
        hostId: 'inv-h1',
        scannedAt: T0,
        os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
        ssh: { product: 'OpenSSH', serverVersion: 'OpenSSH_9.2p1', clientVersion: null },
        sshdConfigPath: '/etc/ssh/sshd_config',
        files: [{ path: '/etc/ssh/sshd_config', sha256: 'ab', size: 10 }],
        errors: [],
        settings: [
          { keyword: 'port', values: ['22', '2222'], file: '/etc/ssh/sshd_config', line: 1 },
        ],
      };
      await hostConfigs.put(rec);
      await hostConfigs.put({ ...rec, scannedAt: T0 + 1 });
      expect(await hostConfigs.get('inv-h1')).toEqual({ ...rec, scannedAt: T0 + 1 });
      expect(await hostConfigs.get('inv-none')).toBeNull();
    });
  });
}
