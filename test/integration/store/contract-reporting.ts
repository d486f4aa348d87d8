import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store-contract';

/** Far before every other contract's times, so a purge here never touches their rows. */
const T0 = 1_100_000_000_000;
const FP = (c: string) => `SHA256:${c.repeat(43)}`;

export function reportingContract(ctx: ContractContext): void {
  describe('applications, purge requests, reverse DNS', () => {
    it('keeps applications by name, refuses a taken name, and updates rules', async () => {
      const { store } = ctx.get();
      const rules = [{ groupId: 'g-web' }, { hostPattern: 'db-*', accountPattern: 'pg*' }];
      const app = await store.applications.create(
        { id: 'app-billing', name: 'billing', description: 'the billing stack', rules },
        T0,
      );
      expect(app).toMatchObject({ name: 'billing', rules, createdAt: T0, membersComputedAt: null });
      await store.applications.create(
        { id: 'app-crm', name: 'crm', description: '', rules: [{ hostPattern: 'crm*' }] },
        T0,
      );
      await expect(
        store.applications.create({ id: 'app-x', name: 'crm', description: '', rules }, T0),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(
        store.applications.update('app-billing', { name: 'crm' }, T0 + 1),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      const changed = await store.applications.update(
        'app-billing',
        { rules: [{ hostPattern: 'pay-*' }] },
        T0 + 2,
      );
      expect(changed).toMatchObject({
        name: 'billing',
        rules: [{ hostPattern: 'pay-*' }],
        updatedAt: T0 + 2,
      });
      expect((await store.applications.list()).map((a) => a.name)).toEqual(['billing', 'crm']);
      expect(await store.applications.update('nope', { description: 'x' }, T0)).toBeNull();
    });

    it('replaces members at once, pages them and answers which applications a host is in', async () => {
      const { store } = ctx.get();
      const n = await store.applications.setMembers(
        'app-billing',
        [
          { hostId: 'h-pay-1', account: null },
          { hostId: 'h-pay-2', account: 'pgadmin' },
          { hostId: 'h-pay-2', account: 'postgres' },
          { hostId: 'h-pay', account: null },
        ],
        T0 + 5,
      );
      expect(n).toBe(4);
      await store.applications.setMembers(
        'app-crm',
        [{ hostId: 'h-pay-1', account: null }],
        T0 + 5,
      );
      const first = await store.applications.listMembers('app-billing', { limit: 2 });
      // host ids in tuple order: 'h-pay' before 'h-pay-1' though 'h-pay|' sorts after 'h-pay-'
      expect(first.items).toEqual([
        { hostId: 'h-pay', account: null },
        { hostId: 'h-pay-1', account: null },
      ]);
      const second = await store.applications.listMembers('app-billing', {
        limit: 2,
        after: first.nextCursor!,
      });
      expect(second).toEqual({
        items: [
          { hostId: 'h-pay-2', account: 'pgadmin' },
          { hostId: 'h-pay-2', account: 'postgres' },
        ],
        nextCursor: null,
      });
      expect(await store.applications.ofHost('h-pay-1')).toEqual(['app-billing', 'app-crm']);
      expect(await store.applications.ofHost('h-pay-2')).toEqual([]);
      expect(await store.applications.ofHost('h-pay-2', 'postgres')).toEqual(['app-billing']);
      expect(await store.applications.ofHost('h-pay-2', 'root')).toEqual([]);
      // A recompute that drops a member: it is gone, the rest stay.
      expect(
        await store.applications.setMembers(
          'app-billing',
          [{ hostId: 'h-pay-2', account: 'postgres' }],
          T0 + 6,
        ),
      ).toBe(1);
      expect(await store.applications.ofHost('h-pay-1')).toEqual(['app-crm']);
      expect((await store.applications.get('app-billing'))?.membersComputedAt).toBe(T0 + 6);
      await expect(
        store.applications.listMembers('app-billing', { limit: 1, after: 'forged' }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await store.applications.remove('app-crm')).toBe(true);
      expect(await store.applications.ofHost('h-pay-1')).toEqual([]);
      expect(await store.applications.get('app-crm')).toBeNull();
    });

    it('decides a purge request once and finishes it only when approved', async () => {
      const { store } = ctx.get();
      const req = await store.purgeRequests.create({
        kind: 'audit',
        before: T0,
        reason: 'retention',
        requestedBy: 'token:alice#1',
        requestedByToken: 't1',
        requestedAt: T0 + 10,
      });
      expect(req).toMatchObject({ state: 'pending', decidedBy: null, jobId: null });
      expect(
        await store.purgeRequests.finish(req.id, { state: 'done', purged: 1, error: null, at: T0 }),
      ).toBeNull();
      const approved = await store.purgeRequests.decide(req.id, {
        state: 'approved',
        by: 'token:bob#2',
        byToken: 't2',
        at: T0 + 11,
      });
      expect(approved).toMatchObject({
        state: 'approved',
        decidedBy: 'token:bob#2',
        decidedAt: T0 + 11,
      });
      expect(
        await store.purgeRequests.decide(req.id, {
          state: 'rejected',
          by: 'x',
          byToken: 'x',
          at: T0,
        }),
      ).toBeNull();
      await store.purgeRequests.setJob(req.id, 'job-1');
      const done = await store.purgeRequests.finish(req.id, {
        state: 'done',
        purged: 3,
        error: null,
        at: T0 + 12,
      });
      expect(done).toMatchObject({ state: 'done', purged: 3, jobId: 'job-1', finishedAt: T0 + 12 });
      const other = await store.purgeRequests.create({
        kind: 'key-activity',
        before: T0,
        reason: '',
        requestedBy: 'a',
        requestedByToken: 't1',
        requestedAt: T0 + 20,
      });
      const pending = await store.purgeRequests.list({ state: ['pending'] }, { limit: 10 });
      expect(pending.items.map((r) => r.id)).toEqual([other.id]);
      const all = await store.purgeRequests.list({}, { limit: 1 });
      expect(all.items.map((r) => r.id)).toEqual([other.id]);
      expect(
        (await store.purgeRequests.list({}, { limit: 1, after: all.nextCursor! })).items[0]?.id,
      ).toBe(req.id);
    });

    it('purges key activity last seen before a date and keeps the rest', async () => {
      const { store } = ctx.get();
      await store.inventory.keyUsage.record('h-purge', [
        { account: 'a', fingerprint: FP('a'), from: '10.0.0.1', at: T0 - 100 },
        { account: 'a', fingerprint: FP('a'), from: '10.0.0.2', at: T0 - 50 },
        { account: 'a', fingerprint: FP('a'), from: '10.0.0.2', at: T0 + 50 },
        { account: 'b', fingerprint: FP('b'), from: '10.0.0.3', at: T0 },
      ]);
      expect(await store.inventory.keyUsage.purge(T0)).toBe(1);
      const left = await store.inventory.keyUsage.list({ hostId: 'h-purge' });
      expect(left.map((u) => u.from)).toEqual(['10.0.0.2', '10.0.0.3']);
      expect(await store.inventory.keyUsage.purge(T0)).toBe(0);
    });

    it('caches reverse DNS answers, negative ones too', async () => {
      const { store } = ctx.get();
      await store.reverseDns.put([
        {
          address: '192.0.2.1',
          name: 'a.example.',
          error: null,
          lookedUpAt: T0,
          expiresAt: T0 + 10,
        },
        { address: '192.0.2.2', name: null, error: 'ENOTFOUND', lookedUpAt: T0, expiresAt: T0 + 5 },
      ]);
      await store.reverseDns.put([
        {
          address: '192.0.2.1',
          name: 'b.example.',
          error: null,
          lookedUpAt: T0 + 1,
          expiresAt: T0 + 20,
        },
      ]);
      const got = await store.reverseDns.get(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
      expect(got.sort((x, y) => x.address.localeCompare(y.address))).toEqual([
        {
          address: '192.0.2.1',
          name: 'b.example.',
          error: null,
          lookedUpAt: T0 + 1,
          expiresAt: T0 + 20,
        },
        { address: '192.0.2.2', name: null, error: 'ENOTFOUND', lookedUpAt: T0, expiresAt: T0 + 5 },
      ]);
    });
  });
}
