import type { Store } from '../store/store';

/**
 * Finishes a parent whose children have all ended, then its parent in turn, up the tree:
 * a grandparent must not wait for the watchdog because its last child was itself a parent.
 * Returns how many jobs it finished.
 */
export async function finishParentsUpward(
  store: Pick<Store, 'jobs'>,
  parentId: string | null,
  now: number,
): Promise<number> {
  let finished = 0;
  for (let id = parentId; id !== null;) {
    const done = await store.jobs.finishParentIfDone(id, now);
    if (!done) break;
    finished++;
    id = done.parentId;
  }
  return finished;
}
