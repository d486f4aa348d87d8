/**
 * The context followHostGroup needs, outside a job: an API route that moved a host queues
 * the grants' add and remove jobs itself, in the caller's name, as the batch job would.
 */
import type { ControllerServices } from '../controller-services';
import type { FollowContext } from './follow-authorizations';

export function followContext(
  s: Pick<ControllerServices, 'store' | 'queue' | 'log'>,
  actor: string,
): FollowContext {
  return {
    store: s.store,
    now: () => Date.now(),
    log: s.log,
    enqueue: async (c) =>
      (
        await s.queue.enqueueByName(c.type, c.params, {
          createdBy: actor,
          trigger: c.trigger ?? 'event',
          hostId: c.hostId ?? null,
          priority: c.priority,
          runAt: c.runAt,
          deadline: c.deadline,
          dedupeKey: c.dedupeKey,
        })
      ).job,
  };
}
