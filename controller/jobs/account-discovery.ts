import { attributeKeys } from '../directory/attribute-keys';
import { discoverAccounts } from '../directory/discover-accounts';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's "Account discovery": keys and accounts the scans found in the fleet matched to
 * people (controller/directory/attribute-keys.ts, discover-accounts.ts); accounts of people
 * who left are marked and alerted on. ldap-sync does the same at the end of each sync; this
 * robot catches what scans find between syncs.
 */
export const accountDiscovery = defineInternalRobot({
  type: 'account-discovery',
  describe:
    'Attributes fleet keys to people and marks fleet accounts of people who left the directory',
  intervalMs: 30 * 60_000,
  timeoutMs: 10 * 60_000,
  run: async (ctx) => ({ keys: await attributeKeys(ctx), accounts: await discoverAccounts(ctx) }),
});
