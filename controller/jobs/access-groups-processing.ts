import { processAccessGroups } from '../directory/process-access-groups';
import { defineInternalRobot } from './define-internal-robot';

const TYPE = 'access-groups-processing';

/**
 * The seed's "Access groups processing": members' keys of each access group become
 * authorizations on its host group; those of people who left the group or the directory
 * are removed (controller/directory/process-access-groups.ts). ldap-sync runs the same
 * processing after each sync; this robot catches access groups added or removed between.
 * When an access group's window opens or closes next, a run is queued for that moment, so a
 * window opens on time rather than at the next interval (its own dedupe key: the singleton
 * key would hold back the interval's runs until then).
 */
export const accessGroupsProcessing = defineInternalRobot({
  type: TYPE,
  describe: 'Turns access group memberships into authorizations and removes departed ones',
  intervalMs: 5 * 60_000,
  timeoutMs: 10 * 60_000,
  run: async (ctx) => {
    const result = await processAccessGroups(ctx);
    const at = result.nextWindowChangeAt;
    if (at !== undefined)
      await ctx.enqueue({
        type: TYPE,
        params: {},
        runAt: at,
        dedupeKey: `${TYPE}@${at}`,
        trigger: 'event',
      });
    return result;
  },
});
