import type { JobRecord } from '../store/records';
import { AWAIT_CHILDREN, type AwaitChildren, type ChildJob } from './job-definition';
import type { RunJobDeps } from './run-job';
import { referToParentSecrets } from '../secrets/sealed-params';

/**
 * Creates a parent's children unless an earlier attempt of the same parent already
 * did (it crashed before it could record that it waits): children are never doubled.
 * A sealed credential the parent passes on is not copied: the child refers to it.
 */
export async function spawnChildrenOnce(
  deps: Pick<RunJobDeps, 'store' | 'queue'>,
  parent: JobRecord,
  children: ChildJob[],
): Promise<AwaitChildren> {
  const existing = await deps.store.jobs.countChildren(parent.id);
  const total = Object.values(existing).reduce((a, b) => a + b, 0);
  if (total === 0 && children.length > 0) {
    // Typed where the parent wrote them; the params change here (sealed secrets referred to).
    await deps.queue.enqueueManyByName(
      children.map((c) => ({
        type: c.type,
        params: referToParentSecrets(c.params),
        opts: {
          createdBy: parent.createdBy,
          trigger: 'parent' as const,
          parentId: parent.id,
          hostId: c.hostId ?? null,
          priority: c.priority ?? parent.priority,
        },
      })),
    );
  }
  return { [AWAIT_CHILDREN]: true, count: total || children.length };
}
