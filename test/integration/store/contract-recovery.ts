import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store-contract';
import { newJob } from './new-job';

const T0 = 1_800_000_000_000;

export function parentsAndRecoveryContract(ctx: ContractContext): void {
  describe('jobs: parents, leases, deadlines, purge', () => {
    it('finishes a parent only when every child has ended, counting them', async () => {
      const { store } = ctx.get();
      const { job: parent } = await store.jobs.enqueue(newJob({ type: 'c-parent' }), T0);
      await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-parent': 1 },
        limit: 1,
        leaseMs: 1000,
        now: T0,
      });
      const kids = await store.jobs.enqueueMany(
        [1, 2, 3].map(() => newJob({ type: 'c-child', parentId: parent.id, trigger: 'parent' })),
        T0,
      );
      expect(await store.jobs.awaitChildren({ id: parent.id, attempt: 1, workerId: 'w1' })).toBe(
        true,
      );
      expect(await store.jobs.get(parent.id)).toMatchObject({
        state: 'running',
        awaitingChildren: true,
        leaseUntil: null,
      });
      expect(await store.jobs.finishParentIfDone(parent.id, T0)).toBeNull();
      const claimed = await store.jobs.claim({
        workerId: 'w2',
        capacity: { 'c-child': 3 },
        limit: 3,
        leaseMs: 1000,
        now: T0,
      });
      expect(claimed).toHaveLength(3);
      const [a, b, c] = kids.map((k) => ({ id: k.job.id, attempt: 1, workerId: 'w2' }));
      await store.jobs.complete(a!, 1, T0 + 1);
      await store.jobs.fail(b!, { code: 'E', message: 'no', retryable: false }, null, T0 + 1);
      expect(await store.jobs.finishParentIfDone(parent.id, T0 + 1)).toBeNull();
      expect(await store.jobs.listParentsReadyToFinish(10)).not.toContain(parent.id);
      await store.jobs.complete(c!, 1, T0 + 2);
      expect(await store.jobs.listParentsReadyToFinish(10)).toContain(parent.id);
      const done = await store.jobs.finishParentIfDone(parent.id, T0 + 3);
      expect(done).toMatchObject({
        state: 'completed',
        finishedAt: T0 + 3,
        awaitingChildren: false,
      });
      expect(done?.result).toMatchObject({ children: { completed: 2, failed: 1, total: 3 } });
      expect(await store.jobs.finishParentIfDone(parent.id, T0 + 4)).toBeNull();
      const counts = await store.jobs.countChildren(parent.id);
      expect(counts).toMatchObject({ completed: 2, failed: 1, queued: 0, running: 0 });
      const listed = await store.jobs.list({ parentId: parent.id }, { limit: 10 });
      expect(listed.items).toHaveLength(3);
    });

    it('reclaims jobs whose lease expired, failing those out of attempts', async () => {
      const { store } = ctx.get();
      const a = await store.jobs.enqueue(newJob({ type: 'c-reclaim', maxAttempts: 2 }), T0);
      const b = await store.jobs.enqueue(newJob({ type: 'c-reclaim', maxAttempts: 1 }), T0);
      await store.jobs.claim({
        workerId: 'dead',
        capacity: { 'c-reclaim': 2 },
        limit: 2,
        leaseMs: 1000,
        now: T0,
      });
      // Other tests share this store: assert only on this test's jobs.
      const early = await store.jobs.reclaimExpiredLeases(T0 + 999);
      expect([...early.requeued, ...early.failed]).not.toContain(a.job.id);
      expect([...early.requeued, ...early.failed]).not.toContain(b.job.id);
      expect(await store.jobs.get(a.job.id)).toMatchObject({ state: 'running', workerId: 'dead' });
      const res = await store.jobs.reclaimExpiredLeases(T0 + 1001);
      expect(res.requeued).toContain(a.job.id);
      expect(res.requeued).not.toContain(b.job.id);
      expect(res.failed).toContain(b.job.id);
      expect(res.failed).not.toContain(a.job.id);
      expect(await store.jobs.get(a.job.id)).toMatchObject({
        state: 'queued',
        workerId: null,
        attempts: 1,
      });
      expect(await store.jobs.get(b.job.id)).toMatchObject({
        state: 'failed',
        error: { code: 'LEASE_EXPIRED' },
      });
      // The dead worker's late write for the old attempt is refused.
      expect(
        await store.jobs.complete({ id: a.job.id, attempt: 1, workerId: 'dead' }, 1, T0 + 1002),
      ).toBe(false);
      const [again] = await store.jobs.claim({
        workerId: 'alive',
        capacity: { 'c-reclaim': 1 },
        limit: 1,
        leaseMs: 1000,
        now: T0 + 1002,
      });
      expect(again).toMatchObject({ id: a.job.id, attempts: 2, workerId: 'alive' });
    });

    it('ends a reclaimed job cancelled when its cancel was requested, instead of rerunning it', async () => {
      const { store } = ctx.get();
      const j = await store.jobs.enqueue(newJob({ type: 'c-reclaim-cancel', maxAttempts: 5 }), T0);
      await store.jobs.claim({
        workerId: 'dead',
        capacity: { 'c-reclaim-cancel': 1 },
        limit: 1,
        leaseMs: 1000,
        now: T0,
      });
      await store.jobs.requestCancel(j.job.id, T0 + 1);
      const res = await store.jobs.reclaimExpiredLeases(T0 + 1001);
      expect(res.cancelled).toContain(j.job.id);
      expect(res.requeued).not.toContain(j.job.id);
      expect(await store.jobs.get(j.job.id)).toMatchObject({
        state: 'cancelled',
        finishedAt: T0 + 1001,
        workerId: null,
      });
    });

    it('expires queued jobs whose deadline passed and never claims them', async () => {
      const { store } = ctx.get();
      const j = await store.jobs.enqueue(newJob({ type: 'c-deadline', deadline: T0 + 10 }), T0);
      expect(await store.jobs.expireOverdue(T0 + 5)).toEqual([]);
      expect(
        await store.jobs.claim({
          workerId: 'w',
          capacity: { 'c-deadline': 1 },
          limit: 1,
          leaseMs: 10,
          now: T0 + 11,
        }),
      ).toEqual([]);
      expect(await store.jobs.expireOverdue(T0 + 11)).toEqual([j.job.id]);
      expect(await store.jobs.get(j.job.id)).toMatchObject({
        state: 'expired',
        finishedAt: T0 + 11,
      });
    });

    it('purges ended jobs by age, type and state, and nothing else', async () => {
      const { store } = ctx.get();
      const old = await store.jobs.enqueue(newJob({ type: 'c-purge' }), T0);
      const live = await store.jobs.enqueue(newJob({ type: 'c-purge' }), T0);
      await store.jobs.claim({
        workerId: 'w',
        capacity: { 'c-purge': 1 },
        limit: 1,
        leaseMs: 10,
        now: T0,
      });
      await store.jobs.complete({ id: old.job.id, attempt: 1, workerId: 'w' }, null, T0 + 1);
      expect(await store.jobs.purgeEnded({ finishedBefore: T0 + 1, types: ['c-purge'] })).toBe(0);
      expect(
        await store.jobs.purgeEnded({
          finishedBefore: T0 + 2,
          types: ['c-purge'],
          states: ['failed'],
        }),
      ).toBe(0);
      expect(await store.jobs.purgeEnded({ finishedBefore: T0 + 2, types: ['c-purge'] })).toBe(1);
      expect(await store.jobs.get(old.job.id)).toBeNull();
      expect(await store.jobs.get(live.job.id)).not.toBeNull();
    });
  });
}
