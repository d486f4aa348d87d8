import { describe, expect, it } from 'vitest';
import {
  inventoryItemKey,
  type HostConfigRecord,
  type NewInventoryItem,
} from '../../../controller/store/inventory-records';
import { ingestAuthorizedKeys } from '../../../controller/inventory/ingest-scans';
import type {
  ScanAuthorizedKeysResult,
  ScannedAuthorizedKey,
} from '../../../shared/hostops/scan-authorized-keys';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;
const FP_A = 'SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const FP_B = 'SHA256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const FP_DUP = 'SHA256:ddddddddddddddddddddddddddddddddddddddddddd';
const FP_OTHER = 'SHA256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';

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

/** A scan of carol's file: these lines, in order (a line is [fingerprint, from=]). */
const scanOf = (lines: Array<[string, string | null]>): ScanAuthorizedKeysResult => ({
  keys: lines.map(([fingerprint, from], i): ScannedAuthorizedKey => ({
    account: 'carol',
    file: '/home/carol/.ssh/authorized_keys',
    line: i + 1,
    options: from === null ? [] : [{ name: 'from', value: from }],
    type: 'ssh-ed25519',
    bits: 256,
    fingerprint,
    md5: 'MD5:00',
    comment: '',
    managed: false,
  })),
  invalidLines: [],
  files: [],
  patterns: [],
  configErrors: [],
  findings: [],
  unsafePaths: [],
});

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
      // Two scans of a new host saved at once (two workers): both writes succeed, one stays.
      for (let round = 0; round < 5; round++) {
        const hostId = `inv-race-${round}`;
        const puts = Array.from({ length: 8 }, (_, i) =>
          hostConfigs.put({ ...rec, hostId, scannedAt: T0 + i }),
        );
        await expect(Promise.all(puts)).resolves.toBeDefined();
        expect((await hostConfigs.get(hostId))?.hostId).toBe(hostId);
      }
    });

    it('reads the inventory in bounded pages: items, distinct fingerprints, summaries, usage', async () => {
      const { items, keyUsage } = ctx.get().store.inventory;
      const fp = (c: string) => `SHA256:${c.repeat(43)}`;
      const privKey = (hostId: string, account: string, fingerprint: string) => ({
        kind: 'private-key' as const,
        hostId,
        key: inventoryItemKey('private-key', { path: `/home/${account}/.ssh/id` }),
        account,
        fingerprint,
        data: {
          path: `/home/${account}/.ssh/id`,
          format: 'openssh' as const,
          encrypted: false,
          type: 'ssh-ed25519',
          bits: 256,
          mode: 0o600,
          uid: 1000,
        },
      });
      // Five lines on pg-h1, one on pg-h10 (an id that has pg-h1 as its prefix).
      const lines = ['u1', 'u2', 'u3', 'u4'].map((a) => authKey('pg-h1', a, fp('c')));
      lines.push(authKey('pg-h1', 'u5', fp('d')));
      await items.sync('authorized-key', 'pg-h1', lines, T0);
      await items.sync('authorized-key', 'pg-h10', [authKey('pg-h10', 'u1', fp('c'))], T0 + 5);
      await items.sync('private-key', 'pg-h10', [privKey('pg-h10', 'u1', fp('e'))], T0);

      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await items.listPage(
          'authorized-key',
          { hostId: 'pg-h1' },
          { limit: 2, ...(after ? { after } : {}) },
        );
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i) => i.account ?? ''));
        after = page.nextCursor ?? undefined;
        pages++;
      } while (after);
      expect(seen).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
      expect(pages).toBe(3);
      const byKey = await items.listPage('authorized-key', { fingerprint: fp('c') }, { limit: 10 });
      // In item id order (`host|kind|key`): the same on both adapters, byte by byte.
      expect(byKey.items.map((i) => `${i.hostId} ${i.account}`)).toEqual([
        'pg-h10 u1',
        'pg-h1 u1',
        'pg-h1 u2',
        'pg-h1 u3',
        'pg-h1 u4',
      ]);
      expect(byKey.nextCursor).toBeNull();

      const onH10 = await items.listFingerprints(
        { kinds: ['authorized-key', 'private-key'], hostId: 'pg-h10' },
        { limit: 1 },
      );
      expect(onH10).toEqual({ items: [fp('c')], nextCursor: fp('c') });
      expect(
        await items.listFingerprints(
          { kinds: ['authorized-key', 'private-key'], hostId: 'pg-h10' },
          { limit: 1, after: fp('c') },
        ),
      ).toEqual({ items: [fp('e')], nextCursor: null });
      const fleet = await items.listFingerprints(
        { kinds: ['authorized-key', 'private-key'] },
        { limit: 500 },
      );
      expect(fleet.items).toEqual(expect.arrayContaining([fp('c'), fp('d'), fp('e')]));
      expect(new Set(fleet.items).size).toBe(fleet.items.length);
      expect([...fleet.items].sort()).toEqual(fleet.items);

      const summary = await items.summarize('authorized-key', [fp('c'), fp('d'), fp('e')]);
      expect(summary.sort((a, b) => a.fingerprint.localeCompare(b.fingerprint))).toEqual([
        {
          fingerprint: fp('c'),
          items: 5,
          hosts: 2,
          firstSeenAt: T0,
          data: expect.objectContaining({ type: 'ssh-ed25519', bits: 256 }),
        },
        expect.objectContaining({ fingerprint: fp('d'), items: 1, hosts: 1 }),
      ]);
      expect(await items.summarize('private-key', [fp('e')])).toEqual([
        expect.objectContaining({ fingerprint: fp('e'), items: 1, hosts: 1 }),
      ]);

      await keyUsage.record('pg-h1', [
        { account: 'u1', fingerprint: fp('c'), from: '10.0.0.1', at: T0 },
        { account: 'u1', fingerprint: fp('c'), from: '10.0.0.2', at: T0 },
        { account: 'u2', fingerprint: fp('c'), from: '10.0.0.1', at: T0 },
      ]);
      await keyUsage.record('pg-h10', [
        { account: 'u1', fingerprint: fp('c'), from: '10.0.0.1', at: T0 },
      ]);
      const uses: string[] = [];
      let next: string | undefined;
      do {
        const page = await keyUsage.listPage(
          { fingerprint: fp('c') },
          { limit: 3, ...(next ? { after: next } : {}) },
        );
        uses.push(...page.items.map((u) => `${u.hostId} ${u.account} ${u.from}`));
        next = page.nextCursor ?? undefined;
      } while (next);
      expect(uses).toEqual([
        'pg-h1 u1 10.0.0.1',
        'pg-h1 u1 10.0.0.2',
        'pg-h1 u2 10.0.0.1',
        'pg-h10 u1 10.0.0.1',
      ]);
      await expect(
        keyUsage.listPage({}, { limit: 1, after: 'not-a-cursor' }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'cursor' } });
    });

    it('keeps every line of a key written twice in a file, each with its own history', async () => {
      const { store } = ctx.get();
      const h = 'inv-dup';
      const lines = async () =>
        (await store.inventory.items.list('authorized-key', { hostId: h, includeRemoved: true }))
          .map((i) => ({
            line: i.data.line,
            from: i.data.options[0]?.value ?? null,
            firstSeenAt: i.firstSeenAt,
            lastSeenAt: i.lastSeenAt,
            removedAt: i.removedAt,
          }))
          .sort((a, b) => a.line - b.line);
      const both = scanOf([
        [FP_DUP, '10.0.0.1'],
        [FP_OTHER, null],
        [FP_DUP, null],
      ]);
      expect(await ingestAuthorizedKeys(store, h, both, T0)).toEqual({
        added: 3,
        kept: 0,
        removed: 0,
      });
      // The second line of FP_DUP goes: the first stays as it was seen.
      const gone = scanOf([
        [FP_DUP, '10.0.0.1'],
        [FP_OTHER, null],
      ]);
      expect(await ingestAuthorizedKeys(store, h, gone, T0 + 10)).toEqual({
        added: 0,
        kept: 2,
        removed: 1,
      });
      expect(await lines()).toEqual([
        { line: 1, from: '10.0.0.1', firstSeenAt: T0, lastSeenAt: T0 + 10, removedAt: null },
        { line: 2, from: null, firstSeenAt: T0, lastSeenAt: T0 + 10, removedAt: null },
        { line: 3, from: null, firstSeenAt: T0, lastSeenAt: T0, removedAt: T0 + 10 },
      ]);
      // Written again: present again, first seen kept.
      expect(await ingestAuthorizedKeys(store, h, both, T0 + 20)).toEqual({
        added: 1,
        kept: 2,
        removed: 0,
      });
      expect((await lines()).map((l) => [l.line, l.firstSeenAt, l.removedAt])).toEqual([
        [1, T0, null],
        [2, T0, null],
        [3, T0, null],
      ]);
    });
  });
}
