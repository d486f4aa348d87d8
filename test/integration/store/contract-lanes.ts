import { describe, expect, it } from 'vitest';
import type { ClaimRequest } from '../../../controller/store/store';
import type { ContractContext } from './store-contract';
import { newJob } from './new-job';

const T0 = 1_800_000_000_000;

export function lanesContract(ctx: ContractContext): void {
  describe('jobs: lanes', () => {
    const claim = (over: Partial<ClaimRequest> & Pick<ClaimRequest, 'capacity'>) =>
      ctx
        .get()
        .store.jobs.claim({ workerId: 'w-lane', limit: 10, leaseMs: 30_000, now: T0, ...over });

    it('stores the lane: normal unless the job is queued as bulk', async () => {
      const { store } = ctx.get();
      const normal = await store.jobs.enqueue(newJob({ type: 'c-lane-store' }), T0);
      const [bulk] = await store.jobs.enqueueMany(
        [newJob({ type: 'c-lane-store', trigger: 'schedule', lane: 'bulk' })],
        T0,
      );
      expect((await store.jobs.get(normal.job.id))?.lane).toBe('normal');
      expect(bulk?.job.lane).toBe('bulk');
      expect((await store.jobs.get(bulk!.job.id))?.lane).toBe('bulk');
    });

    it('claims normal jobs before bulk ones, whatever their priority, and at most bulkLimit bulk jobs', async () => {
      const { store } = ctx.get();
      const bulk: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await store.jobs.enqueue(
          newJob({ type: 'c-lane-scan', trigger: 'schedule', lane: 'bulk', priority: 50 }),
          T0 - 1000 + i,
        );
        bulk.push(r.job.id);
      }
      const admin = await store.jobs.enqueue(newJob({ type: 'c-lane-admin' }), T0);
      const rescan = await store.jobs.enqueue(newJob({ type: 'c-lane-scan' }), T0);
      const capacity = { 'c-lane-scan': 10, 'c-lane-admin': 10 };

      const first = await claim({ capacity, limit: 3, bulkLimit: 1 });
      expect(first.map((j) => j.lane)).toEqual(['normal', 'normal', 'bulk']);
      expect(
        first
          .slice(0, 2)
          .map((j) => j.id)
          .sort(),
      ).toEqual([admin.job.id, rescan.job.id].sort());
      expect(first[2]?.id).toBe(bulk[0]);
      expect(first.every((j) => j.state === 'running')).toBe(true);

      // No room for bulk: nothing, though bulk jobs are due and the limit allows more.
      expect(await claim({ capacity, bulkLimit: 0 })).toEqual([]);
      const rest = await claim({ capacity, bulkLimit: 2 });
      expect(rest.map((j) => j.id)).toEqual(bulk.slice(1, 3));
      // Without a cap, the bulk lane is claimed like any other job.
      expect((await claim({ capacity })).map((j) => j.id)).toEqual(bulk.slice(3));
    });

    it('shares a type capacity between lanes, normal first', async () => {
      const { store } = ctx.get();
      for (let i = 0; i < 3; i++)
        await store.jobs.enqueue(
          newJob({ type: 'c-lane-cap', trigger: 'schedule', lane: 'bulk' }),
          T0 - 1000,
        );
      const normal = await store.jobs.enqueue(newJob({ type: 'c-lane-cap' }), T0);
      const got = await claim({ capacity: { 'c-lane-cap': 2 }, bulkLimit: 5 });
      expect(got.map((j) => j.lane)).toEqual(['normal', 'bulk']);
      expect(got[0]?.id).toBe(normal.job.id);
    });
  });
}
