import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { childFor } from '../inventory/host-target';
import { refuseManagementKey } from '../revocation/management-key-guard';
import { recordsInScope, refuseBeforeWatchEnds } from '../retirement/records-in-scope';
import { byHost, configOf, ScopeFields, targetsFor } from '../retirement/retirement-targets';

/**
 * The last stage: the quarantined lines in scope are deleted, once their watch period has
 * ended. Not reversible (the original line stays in the store as a record).
 */
export const retireKey = defineJob({
  type: 'retire-key',
  describe: 'Delete the quarantined lines of a key after its watch period',
  params: Type.Object(ScopeFields, { additionalProperties: false }),
  runsOn: 'controller',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const now = ctx.now();
    await refuseManagementKey(ctx.store, params.fingerprint, 'retiring');
    const records = await recordsInScope(ctx.store, params, ['quarantined'], 'delete');
    refuseBeforeWatchEnds(records, now);
    const hosts = byHost(records);
    const targets = await targetsFor(ctx.store, hosts.keys(), params.targets);
    await ctx.store.audit.append({
      at: now,
      actor: ctx.job.createdBy,
      action: 'key.retire-requested',
      subject: params.fingerprint,
      details: { hosts: [...hosts.keys()], jobId: ctx.job.id },
    });
    return ctx.spawnChildren(
      [...hosts].map(([hostId, rs]) =>
        childFor('retire-key-host', targets.get(hostId) ?? { hostId }, {
          records: rs.map((r) => r.id),
          // The config the lines were found through, unless the request names one.
          ...configOf(params.sshdConfigPath ?? rs[0]?.sshdConfigPath),
        }),
      ),
    );
  },
});
