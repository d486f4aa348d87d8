/**
 * What a purge request deletes: one rule per kind of record, oldest first. With an archive
 * directory set, the records are archived before they are deleted (controller/archive/).
 */
import { purgeRecords } from '../archive/purge-records';
import type { Config } from '../config/load-config';
import type { PurgeKind } from '../store/reporting-store';

export const PURGE_WHAT: Record<PurgeKind, string> = {
  audit: 'audit records',
  'key-activity': 'key-activity records (logins by key, last seen before the date)',
};

export async function purgeObjects(
  store: Parameters<typeof purgeRecords>[0],
  config: Pick<Config, 'archiveDir' | 'storeUrl'>,
  kind: PurgeKind,
  before: number,
  now: () => number,
): Promise<number> {
  return (await purgeRecords(store, config, { kind, before }, now)).purged;
}
