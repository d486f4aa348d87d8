import { conflict, notFound } from '../../shared/errors';
import type { KeyQuarantineRecord, QuarantineState } from '../store/retirement-records';
import type { Store } from '../store/store';
import type { KeyScope } from './key-places';

/** The quarantine records of a key in scope that are in one of `states`. */
export async function recordsInScope(
  store: Pick<Store, 'keyQuarantines'>,
  scope: KeyScope,
  states: QuarantineState[],
  what: string,
): Promise<KeyQuarantineRecord[]> {
  const records = (
    await store.keyQuarantines.list({
      fingerprint: scope.fingerprint,
      state: states,
      ...(scope.hostId !== undefined ? { hostId: scope.hostId } : {}),
    })
  ).filter((r) => scope.account === undefined || r.account === scope.account);
  if (records.length === 0)
    throw notFound(`key ${scope.fingerprint} has no quarantined line in scope to ${what}`, {
      details: { field: 'fingerprint', value: scope.fingerprint },
    });
  return records;
}

/** Deleting is the one stage that cannot be undone: only after the watch period. */
export function refuseBeforeWatchEnds(records: KeyQuarantineRecord[], now: number): void {
  const early = records.filter((r) => r.watchUntil > now);
  if (early.length === 0) return;
  const first = early.reduce((a, r) => (r.watchUntil < a.watchUntil ? r : a));
  throw conflict(
    `key ${first.fingerprint} is still in its watch period on ${first.hostId} (${first.account}) until ${new Date(first.watchUntil).toISOString()}: it can be restored, not deleted, before then`,
    { details: { field: 'fingerprint', value: first.fingerprint, watchUntil: first.watchUntil } },
  );
}
