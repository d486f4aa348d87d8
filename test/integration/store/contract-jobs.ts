import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store-contract';
import { newJob } from './new-job';

const T0 = 1_800_000_000_000;

export function jobsContract(ctx: ContractContext): void {
  describe('jobs: enqueue, claim, finish', () => {
    it('stores a queued job with its fields and defaults', async () => {
      const { store } = ctx.get();
      const { job, created } = await store.jobs.enqueue(
        newJob({ type: 'c-fields', params: { a: [1, 'x'] }, hostId: 'h1', deadline: T0 + 5000 }),
        T0,
      );
      expect(created).toBe(true);
      const got = await store.jobs.get(job.id);
      expect(got).toMatchObject({
        type: 'c-fields',
        state: 'queued',
        params: { a: [1, 'x'] },
        attempts: 0,
        maxAttempts: 3,
        priority: 0,
        runAt: T0,
        deadline: T0 + 5000,
        hostId: 'h1',
        parentId: null,
        createdBy: 'tester',
        trigger: 'admin',
        createdAt: T0,
        workerId: null,
        cancelRequested: false,
        result: null,
        error: null,
      });
      expect(await store.jobs.get('no-such-id')).toBeNull();
    });

    it('keeps at most one active job per dedupe key', async () => {
      const { store } = ctx.get();
      const a = await store.jobs.enqueue(newJob({ type: 'c-dedupe', dedupeKey: 'c-dedupe' }), T0);
      const b = await store.jobs.enqueue(newJob({ type: 'c-dedupe', dedupeKey: 'c-dedupe' }), T0);
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.job.id).toBe(a.job.id);
      const [claimed] = await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-dedupe': 1 },
        limit: 5,
        leaseMs: 1000,
        now: T0,
      });
      expect(claimed?.id).toBe(a.job.id);
      const c = await store.jobs.enqueue(newJob({ type: 'c-dedupe', dedupeKey: 'c-dedupe' }), T0);
      expect(c.created).toBe(false);
      await store.jobs.complete({ id: a.job.id, attempt: 1, workerId: 'w1' }, { ok: true }, T0 + 1);
      const d = await store.jobs.enqueue(
        newJob({ type: 'c-dedupe', dedupeKey: 'c-dedupe' }),
        T0 + 2,
      );
      expect(d.created).toBe(true);
      expect(d.job.id).not.toBe(a.job.id);
    });

    it('claims due jobs by priority, within per-type capacity and limit', async () => {
      const { store } = ctx.get();
      const low = await store.jobs.enqueue(newJob({ type: 'c-claim', priority: 1 }), T0);
      const high = await store.jobs.enqueue(newJob({ type: 'c-claim', priority: 9 }), T0);
      const later = await store.jobs.enqueue(
        newJob({ type: 'c-claim', priority: 99, runAt: T0 + 60_000 }),
        T0,
      );
      await store.jobs.enqueue(newJob({ type: 'c-other' }), T0);
      const first = await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-claim': 1 },
        limit: 10,
        leaseMs: 30_000,
        now: T0,
      });
      expect(first.map((j) => j.id)).toEqual([high.job.id]);
      expect(first[0]).toMatchObject({
        state: 'running',
        attempts: 1,
        workerId: 'w1',
        leaseUntil: T0 + 30_000,
        startedAt: T0,
      });
      const second = await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-claim': 5 },
        limit: 10,
        leaseMs: 30_000,
        now: T0,
      });
      expect(second.map((j) => j.id)).toEqual([low.job.id]);
      const due = await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-claim': 5 },
        limit: 10,
        leaseMs: 30_000,
        now: T0 + 60_000,
      });
      expect(due.map((j) => j.id)).toEqual([later.job.id]);
    });

    it('never gives one job to two workers claiming at the same time', async () => {
      const sut = ctx.get();
      const other = sut.openSecond ? await sut.openSecond() : sut.store;
      const ids = new Set<string>();
      for (let i = 0; i < 40; i++)
        ids.add((await sut.store.jobs.enqueue(newJob({ type: 'c-race' }), T0)).job.id);
      const claimers = ['a', 'b', 'c', 'd'].map((w, i) =>
        (i % 2 ? other : sut.store).jobs.claim({
          workerId: w,
          capacity: { 'c-race': 40 },
          limit: 7,
          leaseMs: 1000,
          now: T0,
        }),
      );
      const seen: string[] = [];
      for (let round = 0; round < 3; round++) {
        const batches = await Promise.all(claimers.splice(0));
        for (const b of batches) seen.push(...b.map((j) => j.id));
        claimers.push(
          ...['a', 'b', 'c', 'd'].map((w, i) =>
            (i % 2 ? other : sut.store).jobs.claim({
              workerId: w,
              capacity: { 'c-race': 40 },
              limit: 7,
              leaseMs: 1000,
              now: T0,
            }),
          ),
        );
      }
      for (const b of await Promise.all(claimers)) seen.push(...b.map((j) => j.id));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(40);
      if (other !== sut.store) await other.close();
    });

    it('refuses writes from a worker that no longer holds the attempt', async () => {
      const { store } = ctx.get();
      const { job } = await store.jobs.enqueue(newJob({ type: 'c-lease' }), T0);
      await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-lease': 1 },
        limit: 1,
        leaseMs: 1000,
        now: T0,
      });
      expect(
        await store.jobs.renewLease({ id: job.id, attempt: 1, workerId: 'w2' }, T0 + 5000),
      ).toMatchObject({ held: false });
      expect(await store.jobs.complete({ id: job.id, attempt: 2, workerId: 'w1' }, 'x', T0)).toBe(
        false,
      );
      const renewed = await store.jobs.renewLease(
        { id: job.id, attempt: 1, workerId: 'w1' },
        T0 + 5000,
        { done: 3 },
      );
      expect(renewed).toEqual({ held: true, cancelRequested: false });
      expect(await store.jobs.get(job.id)).toMatchObject({
        leaseUntil: T0 + 5000,
        progress: { done: 3 },
      });
      expect(
        await store.jobs.complete({ id: job.id, attempt: 1, workerId: 'w1' }, { n: 7 }, T0 + 10),
      ).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        state: 'completed',
        result: { n: 7 },
        finishedAt: T0 + 10,
        workerId: null,
        leaseUntil: null,
      });
      expect(
        await store.jobs.complete({ id: job.id, attempt: 1, workerId: 'w1' }, { n: 8 }, T0 + 11),
      ).toBe(false);
    });

    it('gives a deferred attempt back: queued for later with its attempts as before', async () => {
      const { store } = ctx.get();
      const { job } = await store.jobs.enqueue(newJob({ type: 'c-defer', maxAttempts: 1 }), T0);
      const claim = (now: number, workerId = 'w1') =>
        store.jobs.claim({ workerId, capacity: { 'c-defer': 1 }, limit: 1, leaseMs: 1000, now });
      expect(await claim(T0)).toHaveLength(1);
      const note = { code: 'WAITING_FOR_HOST', message: 'away until T0+5000', retryable: true };
      // Only the holder of the attempt can defer it.
      expect(
        await store.jobs.defer({ id: job.id, attempt: 1, workerId: 'w2' }, T0 + 5000, note),
      ).toBe(false);
      expect(
        await store.jobs.defer({ id: job.id, attempt: 1, workerId: 'w1' }, T0 + 5000, note),
      ).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        state: 'queued',
        runAt: T0 + 5000,
        error: note,
        attempts: 0,
        workerId: null,
        leaseUntil: null,
      });
      expect(await claim(T0 + 100)).toEqual([]);
      // Deferred twice, then run: a job allowed one attempt still gets it.
      const [again] = await claim(T0 + 5000);
      expect(again).toMatchObject({ id: job.id, attempts: 1 });
      expect(
        await store.jobs.defer({ id: job.id, attempt: 1, workerId: 'w1' }, T0 + 9000, note),
      ).toBe(true);
      const [third] = await claim(T0 + 9000);
      expect(third).toMatchObject({ id: job.id, attempts: 1 });
      expect(
        await store.jobs.complete({ id: job.id, attempt: 1, workerId: 'w1' }, { ok: 1 }, T0 + 9500),
      ).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({ state: 'completed', attempts: 1 });
    });

    it('refuses the old worker once an attempt it gave back is claimed by another', async () => {
      // A controller that stops gives its attempts back; the next claim reuses the number.
      const { store } = ctx.get();
      const { job } = await store.jobs.enqueue(newJob({ type: 'c-giveback', maxAttempts: 1 }), T0);
      const claim = (workerId: string, now: number) =>
        store.jobs.claim({ workerId, capacity: { 'c-giveback': 1 }, limit: 1, leaseMs: 1000, now });
      expect(await claim('stopping', T0)).toHaveLength(1);
      const note = { code: 'CONTROLLER_STOPPING', message: 'stopping', retryable: true };
      const old = { id: job.id, attempt: 1, workerId: 'stopping' };
      expect(await store.jobs.defer(old, T0 + 1, note)).toBe(true);
      expect(await claim('restarted', T0 + 2)).toMatchObject([{ id: job.id, attempts: 1 }]);
      expect(await store.jobs.renewLease(old, T0 + 5000)).toMatchObject({ held: false });
      expect(await store.jobs.complete(old, 'late', T0 + 3)).toBe(false);
      expect(await store.jobs.completeMany([{ lease: old, result: 'late' }], T0 + 3)).toEqual([
        false,
      ]);
      const current = { id: job.id, attempt: 1, workerId: 'restarted' };
      expect(await store.jobs.complete(current, 'ok', T0 + 4)).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({ state: 'completed', result: 'ok' });
    });

    it('requeues a failed attempt for retry, and fails it for good when told', async () => {
      const { store } = ctx.get();
      const { job } = await store.jobs.enqueue(newJob({ type: 'c-fail' }), T0);
      await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-fail': 1 },
        limit: 1,
        leaseMs: 1000,
        now: T0,
      });
      const err = { code: 'X', message: 'boom', retryable: true };
      expect(
        await store.jobs.fail({ id: job.id, attempt: 1, workerId: 'w1' }, err, T0 + 500, T0),
      ).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        state: 'queued',
        runAt: T0 + 500,
        error: err,
        attempts: 1,
        workerId: null,
      });
      expect(
        await store.jobs.claim({
          workerId: 'w1',
          capacity: { 'c-fail': 1 },
          limit: 1,
          leaseMs: 1000,
          now: T0 + 100,
        }),
      ).toEqual([]);
      const [again] = await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-fail': 1 },
        limit: 1,
        leaseMs: 1000,
        now: T0 + 500,
      });
      expect(again?.attempts).toBe(2);
      expect(
        await store.jobs.fail({ id: job.id, attempt: 2, workerId: 'w1' }, err, null, T0 + 600),
      ).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        state: 'failed',
        finishedAt: T0 + 600,
        error: err,
      });
      const retried = await store.jobs.retry(job.id, T0 + 700);
      expect(retried).toMatchObject({
        state: 'queued',
        attempts: 0,
        error: null,
        runAt: T0 + 700,
        finishedAt: null,
      });
      expect(await store.jobs.retry(job.id, T0 + 800)).toBeNull();
    });

    it('cancels a queued job at once and flags a running one for its worker', async () => {
      const { store } = ctx.get();
      const q = await store.jobs.enqueue(newJob({ type: 'c-cancel-q' }), T0);
      expect(await store.jobs.requestCancel(q.job.id, T0 + 1)).toMatchObject({
        state: 'cancelled',
        finishedAt: T0 + 1,
      });
      const r = await store.jobs.enqueue(newJob({ type: 'c-cancel-r' }), T0);
      await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'c-cancel-r': 1 },
        limit: 1,
        leaseMs: 1000,
        now: T0,
      });
      expect(await store.jobs.requestCancel(r.job.id, T0 + 1)).toMatchObject({
        state: 'running',
        cancelRequested: true,
      });
      const lease = { id: r.job.id, attempt: 1, workerId: 'w1' };
      expect(await store.jobs.renewLease(lease, T0 + 2000)).toEqual({
        held: true,
        cancelRequested: true,
      });
      expect(await store.jobs.markCancelled(lease, T0 + 3)).toBe(true);
      expect(await store.jobs.get(r.job.id)).toMatchObject({
        state: 'cancelled',
        finishedAt: T0 + 3,
      });
      expect(await store.jobs.requestCancel('missing', T0)).toBeNull();
    });

    it('lists with filters and a cursor, newest first', async () => {
      const { store } = ctx.get();
      const made: string[] = [];
      for (let i = 0; i < 5; i++)
        made.push(
          (
            await store.jobs.enqueue(
              newJob({ type: 'c-list', hostId: i % 2 ? 'odd' : 'even' }),
              T0 + i,
            )
          ).job.id,
        );
      const p1 = await store.jobs.list({ type: ['c-list'] }, { limit: 2 });
      expect(p1.items.map((j) => j.id)).toEqual([made[4], made[3]]);
      expect(p1.nextCursor).not.toBeNull();
      const p2 = await store.jobs.list(
        { type: ['c-list'] },
        { limit: 2, after: p1.nextCursor ?? undefined },
      );
      expect(p2.items.map((j) => j.id)).toEqual([made[2], made[1]]);
      const p3 = await store.jobs.list(
        { type: ['c-list'] },
        { limit: 2, after: p2.nextCursor ?? undefined },
      );
      expect(p3.items.map((j) => j.id)).toEqual([made[0]]);
      expect(p3.nextCursor).toBeNull();
      const odd = await store.jobs.list({ type: ['c-list'], hostId: 'odd' }, { limit: 10 });
      expect(odd.items.map((j) => j.id)).toEqual([made[3], made[1]]);
      const window = await store.jobs.list(
        { type: ['c-list'], createdSince: T0 + 1, createdUntil: T0 + 2 },
        { limit: 10 },
      );
      expect(window.items.map((j) => j.id)).toEqual([made[2], made[1]]);
      const queued = await store.jobs.list({ type: ['c-list'], state: ['running'] }, { limit: 10 });
      expect(queued.items).toEqual([]);
    });

    it('enqueues many at once and counts by type and state', async () => {
      const { store } = ctx.get();
      const res = await store.jobs.enqueueMany(
        Array.from({ length: 30 }, (_, i) => newJob({ type: 'c-many', params: { i } })),
        T0,
      );
      expect(res).toHaveLength(30);
      expect(new Set(res.map((r) => r.job.id)).size).toBe(30);
      const counts = await store.jobs.countByTypeAndState();
      expect(counts.find((c) => c.type === 'c-many' && c.state === 'queued')?.count).toBe(30);
    });
  });
}
