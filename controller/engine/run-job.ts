/**
 * Runs one claimed attempt: renews its lease (giving the attempt up before a lease it
 * could not renew runs out), enforces the timeout, honours cancel requests, and records
 * exactly one ending (completed, retried, failed, cancelled, given back because the
 * controller stops, or waiting for children). A write refused by the store, or a lease
 * lost, means another worker may hold the job now: this attempt then ends quietly.
 */
import type { Logger } from 'pino';
import { jobTimedOut, KeywardenError, toErrorRecord } from '../../shared/errors';
import type { JobRecord } from '../store/records';
import type { JobLease, Store } from '../store/store';
import type { Config } from '../config/load-config';
import type { HostRouter } from '../hosts/host-driver';
import {
  isAwaitChildren,
  retryDelayMs,
  type JobContext,
  type JobDefinition,
} from './job-definition';
import type { JobQueue } from './job-queue';
import { spawnChildrenOnce } from './spawn-children';
import { finishParentsUpward } from './finish-parents';
import { keepLease } from './lease-keeper';

export interface RunJobDeps {
  store: Store;
  queue: JobQueue;
  log: Logger;
  workerId: string;
  leaseMs: number;
  clock: () => number;
  config: Config;
  hostRouter: HostRouter;
  /** Completions are group-committed: see group-commit.ts. */
  complete: (lease: JobLease, result: unknown) => Promise<boolean>;
}

export async function runJob(
  deps: RunJobDeps,
  job: JobRecord,
  def: JobDefinition,
  abort: AbortController,
): Promise<void> {
  const { store, clock } = deps;
  const lease: JobLease = { id: job.id, attempt: job.attempts, workerId: deps.workerId };
  const log = deps.log.child({ jobId: job.id, type: job.type, attempt: job.attempts });
  let progress: unknown;
  /** The attempt's host operations so far: each one's step (the agent driver keys on it). */
  let step = 0;
  const keeper = keepLease({
    store,
    lease,
    leaseMs: deps.leaseMs,
    leaseUntil: job.leaseUntil ?? clock() + deps.leaseMs,
    clock,
    abort,
    log,
    progress: () => progress,
  });
  const timeout = setTimeout(
    () => abort.abort(jobTimedOut(`job ${job.id} ran longer than its ${def.timeoutMs} ms timeout`)),
    def.timeoutMs,
  );
  const enqueueByName: JobContext['enqueueByName'] = async (c) =>
    (
      await deps.queue.enqueueByName(c.type, c.params, {
        createdBy: `job:${job.id}`,
        trigger: c.trigger ?? 'event',
        hostId: c.hostId ?? null,
        priority: c.priority,
        runAt: c.runAt,
        deadline: c.deadline,
        dedupeKey: c.dedupeKey,
      })
    ).job;
  const ctx: JobContext = {
    job,
    log,
    signal: abort.signal,
    store,
    now: clock,
    config: deps.config,
    jobTypes: Object.keys(deps.queue.registry),
    hostScans: deps.queue.hostScans,
    heartbeat: async (p) => {
      if (p !== undefined) progress = p;
      await keeper.renew();
    },
    enqueue: (c) => enqueueByName(c),
    enqueueByName,
    spawnChildren: (children) => spawnChildrenOnce(deps, job, children),
    // The one place a host's JSON result meets its operation's type (see host-driver.ts).
    runOnHost: ((operation: string, args: unknown) =>
      deps.hostRouter.run({
        job,
        operation,
        args,
        step: step++,
        signal: abort.signal,
      })) as JobContext['runOnHost'],
  };
  try {
    const aborted = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), {
        once: true,
      });
    });
    aborted.catch(() => undefined);
    if (abort.signal.aborted) throw abort.signal.reason as Error;
    const result = await Promise.race([def.run(job.params as never, ctx), aborted]);
    await keeper.stop();
    if (isAwaitChildren(result)) {
      await store.jobs.awaitChildren(lease);
      await finishParentsUpward(store, job.id, clock());
    } else {
      await deps.complete(lease, result ?? null);
    }
  } catch (err) {
    await keeper.stop();
    await recordFailure(deps, log, job, def, lease, abort, err);
  } finally {
    await keeper.stop();
    clearTimeout(timeout);
    // A failure here is not lost: the watchdog finishes parents whose children all ended.
    await finishParentsUpward(store, job.parentId, clock()).catch(() => 0);
  }
}

async function recordFailure(
  deps: RunJobDeps,
  log: Logger,
  job: JobRecord,
  def: JobDefinition,
  lease: JobLease,
  abort: AbortController,
  err: unknown,
): Promise<void> {
  const now = deps.clock();
  const e = toErrorRecord(abort.signal.aborted ? abort.signal.reason : err);
  if (e.code === 'LEASE_LOST') {
    return log.warn({ err: e }, 'lease lost; the job is left to the worker that takes it over');
  }
  if (e.code === 'JOB_CANCELLED') {
    await deps.store.jobs.markCancelled(lease, now);
    return log.info('cancelled');
  }
  // Stopping is not the job's failure: it runs again after the restart, at no attempt's cost.
  if (e.code === 'CONTROLLER_STOPPING') {
    await deps.store.jobs.defer(lease, now, e);
    return log.info('queued again with its attempt given back: the controller is stopping');
  }
  const runAt = abort.signal.aborted ? null : deferredUntil(err);
  if (runAt !== null) {
    await deps.store.jobs.defer(lease, runAt, e);
    return log.info({ runAt, reason: e.message }, 'deferred; the attempt is given back');
  }
  const retryAt =
    e.retryable && job.attempts < job.maxAttempts
      ? now + retryDelayMs(def.retry, job.attempts)
      : null;
  await deps.store.jobs.fail(lease, e, retryAt, now);
  log[retryAt ? 'warn' : 'error'](
    { err: e, retryAt },
    retryAt ? 'attempt failed; will retry' : 'failed',
  );
}

/** When a WAITING_FOR_HOST error says the job can run again (see shared/errors.ts). */
function deferredUntil(err: unknown): number | null {
  if (!(err instanceof KeywardenError) || err.code !== 'WAITING_FOR_HOST') return null;
  const runAt = err.details?.runAt;
  return typeof runAt === 'number' ? runAt : null;
}
