/** What a purge request deletes: one function per kind of record, oldest first. */
import type { PurgeKind } from '../store/reporting-store';
import type { Store } from '../store/store';

export const PURGE_WHAT: Record<PurgeKind, string> = {
  audit: 'audit records',
  'key-activity': 'key-activity records (logins by key, last seen before the date)',
};

export function purgeObjects(
  store: Pick<Store, 'audit' | 'inventory'>,
  kind: PurgeKind,
  before: number,
): Promise<number> {
  switch (kind) {
    case 'audit':
      return store.audit.purge(before);
    case 'key-activity':
      return store.inventory.keyUsage.purge(before);
  }
}
