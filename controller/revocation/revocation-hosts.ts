/**
 * The registered hosts a revocation list must reach: every managed host, including one that
 * is unreachable or whose host key changed now but was managed before (edits to it wait for
 * its return, see host-edit-guard.ts), so such a host counts as pending, never as done.
 */
import { stateBefore } from '../host-states/host-state-effects';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';

type Source = Pick<Store, 'hosts' | 'audit' | 'alerts'>;

export async function isRevocationHost(store: Source, host: HostRecord): Promise<boolean> {
  if (host.state === 'managed') return true;
  if (host.state === 'unreachable')
    return (await stateBefore(store, host, 'host.unreachable')) === 'managed';
  if (host.state === 'host-key-mismatch')
    return (await stateBefore(store, host, 'host.key.mismatch')) === 'managed';
  return false;
}

export async function managedHostIds(store: Source): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.hosts.list(
      { state: ['managed', 'unreachable', 'host-key-mismatch'] },
      { limit: 500, ...(after ? { after } : {}) },
    );
    for (const h of page.items) if (await isRevocationHost(store, h)) ids.push(h.id);
    after = page.nextCursor ?? undefined;
  } while (after);
  return ids;
}
