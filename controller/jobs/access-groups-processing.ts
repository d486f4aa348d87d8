import { processAccessGroups } from '../directory/process-access-groups';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's "Access groups processing": members' keys of each access group become
 * authorizations on its host group; those of people who left the group or the directory
 * are removed (controller/directory/process-access-groups.ts). ldap-sync runs the same
 * processing after each sync; this robot catches access groups added or removed between.
 */
export const accessGroupsProcessing = defineInternalRobot({
  type: 'access-groups-processing',
  describe: 'Turns access group memberships into authorizations and removes departed ones',
  intervalMs: 5 * 60_000,
  timeoutMs: 10 * 60_000,
  run: (ctx) => processAccessGroups(ctx),
});
