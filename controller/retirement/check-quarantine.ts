import { conflict } from '../../shared/errors';
import { refuseManagementKey } from '../revocation/management-key-guard';
import type { Store } from '../store/store';
import { placesOf, quarantinable, refuseRecentlyUsed, type KeyScope } from './key-places';

/**
 * Everything that refuses a quarantine, checked by the API before the job is queued (a
 * clear 409 at once) and by the job again when it runs: the key Keywarden logs in with,
 * a key used within `unusedDays`, a key with nothing left to quarantine in scope.
 */
export async function checkQuarantine(
  store: Pick<Store, 'inventory' | 'hosts' | 'hostCredentials'>,
  req: KeyScope & { unusedDays: number },
  now: number,
) {
  await refuseManagementKey(store, req.fingerprint, 'quarantining');
  const all = await placesOf(store, req);
  await refuseRecentlyUsed(store, req, all, req.unusedDays, now);
  const places = quarantinable(all);
  if (places.length === 0)
    throw conflict(`key ${req.fingerprint} is already quarantined everywhere in scope`, {
      details: { field: 'fingerprint', value: req.fingerprint },
    });
  return places;
}
