/**
 * The one way the purge robots delete records past their retention: with an archive
 * directory set, through the data archiver (archived first, then deleted); without one,
 * straight through the repository's purge, as before archiving existed.
 */
import type { Config } from '../config/load-config';
import type { RetentionRule } from '../store/archive-store';
import type { Store } from '../store/store';
import { archiveThenPurge, type ArchiveOutcome } from './archive-then-purge';

type PurgeStore = Pick<
  Store,
  'archive' | 'jobs' | 'alerts' | 'audit' | 'reportingData' | 'inventory' | 'notifications'
>;

export const storeKindOf = (config: Pick<Config, 'storeUrl'>): 'sqlite' | 'mongodb' =>
  config.storeUrl.startsWith('mongodb') ? 'mongodb' : 'sqlite';

function purgeWithoutArchive(store: PurgeStore, rule: RetentionRule): Promise<number> {
  switch (rule.kind) {
    case 'jobs':
      return store.jobs.purgeEnded({
        finishedBefore: rule.before,
        ...(rule.types ? { types: rule.types } : {}),
        ...(rule.states ? { states: rule.states } : {}),
      });
    case 'alerts':
      return store.alerts.purge({ states: rule.states, updatedBefore: rule.before });
    case 'audit':
      return store.audit.purge(rule.before);
    case 'reporting-data':
      return store.reportingData.purge(rule.before);
    case 'key-activity':
      return store.inventory.keyUsage.purge(rule.before);
    case 'email-outbox':
      return store.notifications.purgeMessages(rule.before);
  }
}

/** How many records went; with archiving on, also what was archived and where. */
export async function purgeRecords(
  store: PurgeStore,
  config: Pick<Config, 'archiveDir' | 'storeUrl'>,
  rule: RetentionRule,
  now: () => number,
): Promise<{ purged: number; archive?: Omit<ArchiveOutcome, 'purged'> }> {
  if (!config.archiveDir) return { purged: await purgeWithoutArchive(store, rule) };
  const { purged, ...archive } = await archiveThenPurge(store, rule, {
    dir: config.archiveDir,
    storeKind: storeKindOf(config),
    now,
  });
  return { purged, archive };
}
