/**
 * What policies and reports scope by: the applications a host belongs to, as a whole or
 * through one of its accounts. Memberships are what internal-applications-update last
 * computed (and what an API change of an application's rules recomputed at once), read
 * from an index, so this is cheap enough to call once per host or per (host, account).
 *
 *   const ids = await applicationsOfHost(store, host.id, 'root');
 *   if (policy.scope.applicationIds.some((id) => ids.includes(id))) ...
 */
import type { Store } from '../store/store';

export function applicationsOfHost(
  store: Pick<Store, 'applications'>,
  hostId: string,
  account?: string,
): Promise<string[]> {
  return store.applications.ofHost(hostId, account);
}
