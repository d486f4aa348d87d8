/**
 * Keeps the lease of one running attempt: renews it on a timer and aborts the attempt
 * before the lease would run out without a renewal. A lease that lapses is reclaimed by
 * the watchdog and the job runs again elsewhere, so work going on past it could run
 * twice; a renewal that fails (the store is down, or hangs) therefore stops the attempt
 * once the last lease that was granted is nearly over, not only when the store answers
 * that another worker holds the job.
 */
import type { Logger } from 'pino';
import { jobCancelled, leaseLost } from '../../shared/errors';
import type { JobLease, Store } from '../store/store';

export interface LeaseKeeperOptions {
  store: Store;
  lease: JobLease;
  leaseMs: number;
  /** The lease granted by the claim. */
  leaseUntil: number;
  clock: () => number;
  abort: AbortController;
  log: Logger;
  progress: () => unknown;
}

export interface LeaseKeeper {
  /** Renews now (a job's heartbeat); rejects when the store could not be reached. */
  renew(): Promise<void>;
  /**
   * Stops renewing and resolves once a renewal already on its way has answered. The
   * attempt's outcome is written only after that: a renewal racing the completion could
   * otherwise land after it on a server whose conditional update is read-then-write
   * (FerretDB 1.x), putting a finished job back to running.
   */
  stop(): Promise<void>;
}

/** How often a lease is renewed: three chances per lease, at least every 5 s. */
export const renewEveryMs = (leaseMs: number) => Math.max(50, Math.min(leaseMs / 3, 5000));

/**
 * How long before its end a lease that could not be renewed is given up: the attempt
 * must have stopped before another worker may take the job over.
 */
export const leaseMarginMs = (leaseMs: number) => leaseMs / 4;

export function keepLease(o: LeaseKeeperOptions): LeaseKeeper {
  const { store, lease, abort, clock } = o;
  let deadline: NodeJS.Timeout | undefined;
  let pending: Promise<void> | null = null;
  let granted = 0;
  const giveUpAt = (leaseUntil: number) => {
    // Renewals may answer out of order (a heartbeat beside the timer): keep the latest lease.
    if (leaseUntil <= granted || abort.signal.aborted) return;
    granted = leaseUntil;
    clearTimeout(deadline);
    deadline = setTimeout(
      () =>
        abort.abort(
          leaseLost(
            `job ${lease.id}: its lease could not be renewed and ends at ${new Date(leaseUntil).toISOString()}; the attempt is given up before another worker may take the job`,
            { details: { jobId: lease.id, attempt: lease.attempt, leaseUntil } },
          ),
        ),
      Math.max(0, leaseUntil - leaseMarginMs(o.leaseMs) - clock()),
    );
  };
  const renew = async () => {
    const until = clock() + o.leaseMs;
    const r = await store.jobs.renewLease(lease, until, o.progress());
    if (abort.signal.aborted) return;
    if (!r.held) abort.abort(leaseLost(`job ${lease.id} is no longer held by this worker`));
    else if (r.cancelRequested) abort.abort(jobCancelled(`job ${lease.id} was cancelled`));
    else giveUpAt(until);
  };
  // A renewal that hangs is not stacked on: the deadline stops the attempt meanwhile.
  const tick = () => {
    if (pending) return;
    pending = renew()
      .catch((err: unknown) => o.log.warn({ err }, 'lease renewal failed'))
      .finally(() => (pending = null));
  };
  giveUpAt(o.leaseUntil);
  const timer = setInterval(tick, renewEveryMs(o.leaseMs));
  return {
    renew,
    stop: async () => {
      clearInterval(timer);
      clearTimeout(deadline);
      await pending;
    },
  };
}
