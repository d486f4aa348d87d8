/**
 * What approval code needs, whoever runs it: the API passes its services, a job (the reply
 * robot, access-groups processing) passes its context through `approvalDepsOf`.
 */
import type { Config } from '../config/load-config';
import type { JobContext } from '../engine/job-definition';
import type { JobQueue } from '../engine/job-queue';
import type { Store } from '../store/store';

export interface ApprovalDeps {
  store: Omit<Store, 'kind' | 'close'>;
  queue: Pick<JobQueue, 'enqueueByName'>;
  config: Config;
}

export const approvalDepsOf = (ctx: JobContext): ApprovalDeps => ({
  store: ctx.store,
  config: ctx.config,
  queue: {
    enqueueByName: async (type, params, opts) => ({
      job: await ctx.enqueueByName({
        type,
        params,
        trigger: opts.trigger,
        ...(opts.dedupeKey !== undefined ? { dedupeKey: opts.dedupeKey } : {}),
      }),
      created: true,
    }),
  },
});
