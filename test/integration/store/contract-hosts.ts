import { describe, expect, it } from 'vitest';
import { NO_OVERRIDES, type NewHost } from '../../../controller/store/host-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;
const H = 3_600_000;

export const newHost = (id: string, over: Partial<NewHost> = {}): NewHost => ({
  id,
  name: `${id}.example`,
  address: '10.0.0.1',
  port: 22,
  kind: 'agentless',
  state: 'managed',
  hostKeyFingerprint: null,
  managementAccount: null,
  agentId: null,
  os: null,
  sshProduct: null,
  lastSeenAt: null,
  ...over,
});

export function hostsContract(ctx: ContractContext): void {
  describe('hosts, groups, scan schedule, reporting data, expiring records', () => {
    it('creates, pages, updates and removes hosts; a duplicate id is a conflict', async () => {
      const { store } = ctx.get();
      const a = await store.hosts.create(newHost('h-a', { os: 'linux' }), T0);
      expect(a).toMatchObject({ id: 'h-a', state: 'managed', groupId: null, createdAt: T0 });
      expect(a.scanIntervalsMs).toEqual(NO_OVERRIDES);
      await store.hosts.createMany([newHost('h-b'), newHost('h-c', { state: 'discovered' })], T0);
      await expect(store.hosts.create(newHost('h-a'), T0)).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      const p1 = await store.hosts.list({}, { limit: 2 });
      expect(p1.items.map((h) => h.id)).toEqual(['h-a', 'h-b']);
      const p2 = await store.hosts.list({}, { limit: 2, after: p1.nextCursor ?? undefined });
      expect(p2).toMatchObject({ items: [{ id: 'h-c' }], nextCursor: null });
      expect(
        (await store.hosts.list({ state: ['discovered'] }, { limit: 10 })).items.map((h) => h.id),
      ).toEqual(['h-c']);
      const u = await store.hosts.update('h-b', { lastSeenAt: T0 + 5, os: 'bsd' }, T0 + 5);
      expect(u).toMatchObject({ lastSeenAt: T0 + 5, os: 'bsd', updatedAt: T0 + 5 });
      expect(await store.hosts.update('missing', { os: 'x' }, T0)).toBeNull();
      expect(await store.hosts.countByStateAndKind()).toEqual([
        { state: 'discovered', kind: 'agentless', count: 1 },
        { state: 'managed', kind: 'agentless', count: 2 },
      ]);
      expect(await store.hosts.remove('h-c')).toBe(true);
      expect(await store.hosts.remove('h-c')).toBe(false);
      expect(await store.hosts.get('h-c')).toBeNull();
    });

    it('marks hosts schedule-dirty only for changes that affect their scans', async () => {
      const { store } = ctx.get();
      const dirty = async () => (await store.hosts.listScheduleDirty(100)).map((d) => d.id);
      for (const d of await store.hosts.listScheduleDirty(100))
        expect(await store.hosts.clearScheduleDirty(d.id, d.version)).toBe(true);
      expect(await dirty()).toEqual([]);
      await store.hosts.update('h-a', { lastSeenAt: T0 + 9, os: 'linux' }, T0 + 9);
      expect(await dirty()).toEqual([]);
      await store.hostGroups.create(
        { id: 'g1', name: 'web', description: '', scanIntervalsMs: NO_OVERRIDES },
        T0,
      );
      await expect(
        store.hostGroups.create(
          { id: 'g2', name: 'web', description: '', scanIntervalsMs: NO_OVERRIDES },
          T0,
        ),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      await store.hosts.update('h-a', { groupId: 'g1' }, T0 + 10);
      const [seen] = await store.hosts.listScheduleDirty(100);
      expect(seen?.id).toBe('h-a');
      // A change after the read keeps the mark: the newer settings are not lost.
      await store.hosts.update('h-a', { scanIntervalsMs: { 'scan-full': 0 } }, T0 + 11);
      expect(await store.hosts.clearScheduleDirty('h-a', seen!.version)).toBe(false);
      const [again] = await store.hosts.listScheduleDirty(100);
      expect(await store.hosts.clearScheduleDirty('h-a', again!.version)).toBe(true);
      expect((await store.hosts.get('h-a'))?.scanIntervalsMs).toEqual({
        ...NO_OVERRIDES,
        'scan-full': 0,
      });
      // A group's change reaches its hosts only.
      await store.hostGroups.update('g1', { description: 'only text' }, T0 + 12);
      expect(await dirty()).toEqual([]);
      const g = await store.hostGroups.update(
        'g1',
        { scanIntervalsMs: { 'scan-configs': 2 * H } },
        T0 + 13,
      );
      expect(g?.scanIntervalsMs['scan-configs']).toBe(2 * H);
      expect(await dirty()).toEqual(['h-a']);
      for (const d of await store.hosts.listScheduleDirty(100))
        await store.hosts.clearScheduleDirty(d.id, d.version);
      await store.hostGroups.setScanDefaults(
        {
          'scan-authorized-keys': H,
          'scan-configs': H,
          'scan-host-key-activity': H,
          'scan-full': 0,
        },
        T0,
      );
      expect(await store.hostGroups.getScanDefaults()).toMatchObject({ 'scan-full': 0 });
      expect(await dirty()).toEqual(['h-a', 'h-b']);
      expect(await store.hostGroups.remove('g1', T0 + 14)).toBe(true);
      expect((await store.hosts.get('h-a'))?.groupId).toBeNull();
      expect((await store.hostGroups.list()).map((x) => x.id)).toEqual([]);
    });

    it('pages host groups by name', async () => {
      const { store } = ctx.get();
      for (const [id, name] of [
        ['gp-3', 'pg-c'],
        ['gp-1', 'pg-a'],
        ['gp-2', 'pg-b'],
      ] as const)
        await store.hostGroups.create(
          { id, name, description: '', scanIntervalsMs: NO_OVERRIDES },
          T0,
        );
      const first = await store.hostGroups.listPage({ limit: 2 });
      expect(first.items.map((g) => g.name)).toEqual(['pg-a', 'pg-b']);
      expect(first.nextCursor).toBe('pg-b');
      const rest = await store.hostGroups.listPage({ limit: 2, after: 'pg-b' });
      expect(rest).toEqual({ items: [expect.objectContaining({ id: 'gp-3' })], nextCursor: null });
      for (const id of ['gp-1', 'gp-2', 'gp-3']) await store.hostGroups.remove(id, T0);
    });

    it('keeps the scan schedule per host and type, lists due rows and moves them once', async () => {
      const { store } = ctx.get();
      await store.scanSchedule.setHost('h-a', { 'scan-configs': H, 'scan-full': 4 * H }, T0);
      await store.scanSchedule.setHost('h-b', { 'scan-configs': H }, T0 + 100);
      expect((await store.scanSchedule.listForHost('h-a')).map((e) => e.nextDueAt)).toEqual([
        T0,
        T0,
      ]);
      expect(await store.scanSchedule.listDue(['scan-configs'], T0 - 1, 10)).toEqual([]);
      const due = await store.scanSchedule.listDue(['scan-configs', 'scan-full'], T0 + 100, 10);
      expect(due.map((e) => `${e.hostId}/${e.scanType}`).sort()).toEqual([
        'h-a/scan-configs',
        'h-a/scan-full',
        'h-b/scan-configs',
      ]);
      expect(await store.scanSchedule.countDueBefore(['scan-configs'], T0 + 101)).toBe(2);
      const move = {
        hostId: 'h-a',
        scanType: 'scan-configs' as const,
        expectedNextDueAt: T0,
        nextDueAt: T0 + H,
        jobId: 'j1',
      };
      expect(
        await store.scanSchedule.markEnqueued([move, { ...move, scanType: 'scan-full' }], T0),
      ).toEqual([true, true]);
      expect(await store.scanSchedule.markEnqueued([move], T0)).toEqual([false]);
      const [configs] = await store.scanSchedule.listForHost('h-a');
      expect(configs).toMatchObject({ nextDueAt: T0 + H, lastEnqueuedAt: T0, lastJobId: 'j1' });
      // A new interval counts from the last enqueue; a type left out is dropped.
      await store.scanSchedule.setHost('h-a', { 'scan-configs': 3 * H }, T0 + 10);
      expect(await store.scanSchedule.listForHost('h-a')).toEqual([
        { ...configs, intervalMs: 3 * H, nextDueAt: T0 + 3 * H },
      ]);
      await store.hosts.remove('h-b');
      expect(await store.scanSchedule.listForHost('h-b')).toEqual([]);
    });

    it('adds, reads and purges reporting data', async () => {
      const { store } = ctx.get();
      await store.reportingData.add('statistics', { hosts: 1 }, T0);
      const last = await store.reportingData.add('statistics', { hosts: 2 }, T0 + 10);
      expect(await store.reportingData.latest('statistics')).toEqual(last);
      expect(await store.reportingData.latest('reporting')).toBeNull();
      expect(await store.reportingData.purge(T0 + 5)).toBe(1);
      expect(await store.reportingData.purge(T0 + 5)).toBe(0);
    });

    it('lists expiring records until scheduled and un-schedules a changed expiry', async () => {
      const { store } = ctx.get();
      const rec = {
        id: 'authorization:1',
        kind: 'authorization',
        subjectId: '1',
        hostId: null,
        expiresAt: T0 + H,
        action: { type: 'remove-authorization', params: { id: '1' } },
      };
      await store.expiringRecords.upsert(rec);
      await store.expiringRecords.upsert({ ...rec, id: 'authorization:2', expiresAt: T0 + 5 * H });
      expect((await store.expiringRecords.listUnscheduled(T0 + H, 10)).map((r) => r.id)).toEqual([
        'authorization:1',
      ]);
      expect(await store.expiringRecords.markScheduled('authorization:1', 'j7')).toBe(true);
      expect(await store.expiringRecords.markScheduled('authorization:1', 'j8')).toBe(false);
      expect(await store.expiringRecords.listUnscheduled(T0 + H, 10)).toEqual([]);
      expect(await store.expiringRecords.listScheduledBefore(T0 + 2 * H, 10)).toEqual([
        { ...rec, scheduledJobId: 'j7' },
      ]);
      await store.expiringRecords.upsert({ ...rec, expiresAt: T0 + 2 * H });
      expect((await store.expiringRecords.get('authorization:1'))?.scheduledJobId).toBeNull();
      expect(await store.expiringRecords.remove('authorization:1')).toBe(true);
      expect(await store.expiringRecords.get('authorization:1')).toBeNull();
    });
  });
}
