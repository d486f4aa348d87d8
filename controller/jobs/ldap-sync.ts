import { runLdapSync } from '../directory/ldap-sync-run';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's "LDAP/AD Synchronization": reads users and groups from the configured
 * directory (whole, or what changed since the last mark, with a full read every N runs),
 * creates or updates people, marks those gone or disabled as left, then processes the
 * access groups, key attribution and account discovery in the same run so a departure
 * revokes every key of theirs (controller/directory/ldap-sync-run.ts). A directory that
 * fails mid-sync changes nothing; the next interval is the retry (one attempt: a wrong
 * password must not lock the account).
 */
export const ldapSync = defineInternalRobot({
  type: 'ldap-sync',
  describe: 'Syncs people and group memberships from the LDAP/AD directory, then access groups',
  intervalMs: 15 * 60_000,
  timeoutMs: 10 * 60_000,
  run: (ctx) => runLdapSync(ctx),
});
