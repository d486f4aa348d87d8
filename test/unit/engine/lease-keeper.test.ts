import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keepLease } from '../../../controller/engine/lease-keeper';
import type { Store } from '../../../controller/store/store';

afterEach(() => vi.useRealTimers());

/**
 * A store whose renewal answers only when the test says so: the slow renewal racing a
 * completion cannot be produced on demand with a real server (FerretDB loses the race
 * only sometimes), so this is the one fault simulated here.
 */
function slowRenewals() {
  const answers: Array<() => void> = [];
  const store = {
    jobs: {
      renewLease: vi.fn(
        () =>
          new Promise<{ held: boolean; cancelRequested: boolean }>((resolve) =>
            answers.push(() => resolve({ held: true, cancelRequested: false })),
          ),
      ),
    },
  } as unknown as Store;
  return { store, answers };
}

describe('lease keeper', () => {
  it('stop() waits for a renewal already on its way, so the outcome is written after it', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { store, answers } = slowRenewals();
    const keeper = keepLease({
      store,
      lease: { id: 'j1', attempt: 1, workerId: 'w1' },
      leaseMs: 30_000,
      leaseUntil: 1_030_000,
      clock: () => Date.now(),
      abort: new AbortController(),
      log: pino({ level: 'silent' }),
      progress: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.jobs.renewLease).toHaveBeenCalledTimes(1);
    const order: string[] = [];
    const stopped = keeper.stop().then(() => order.push('stopped'));
    await vi.advanceTimersByTimeAsync(0);
    order.push('renewal answers');
    answers[0]?.();
    await stopped;
    expect(order).toEqual(['renewal answers', 'stopped']);
    // and no renewal is started after stop
    await vi.advanceTimersByTimeAsync(20_000);
    expect(store.jobs.renewLease).toHaveBeenCalledTimes(1);
  });
});
