import { defineFanOutJob } from './define-fan-out-job';
import { relocateUserKeysHost, RelocateFields } from './relocate-user-keys-host';

/** Relocates user keys on many hosts: a relocate-user-keys-host child per host. */
export const relocateUserKeys = defineFanOutJob({
  type: 'relocate-user-keys',
  describe: 'Relocate user keys to root-owned files on hosts (one child job each)',
  childType: 'relocate-user-keys-host',
  fields: RelocateFields,
  rootFields: relocateUserKeysHost.rootFields,
});
