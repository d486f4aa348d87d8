import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { childFor } from '../inventory/host-target';
import { recordsInScope } from '../retirement/records-in-scope';
import { byHost, configOf, ScopeFields, targetsFor } from '../retirement/retirement-targets';

/** Undoes quarantine-key in one step: every quarantined line in scope gets its original back. */
export const restoreKey = defineJob({
  type: 'restore-key',
  describe: 'Restore the original lines of a quarantined key, byte for byte',
  params: Type.Object(ScopeFields, { additionalProperties: false }),
  runsOn: 'controller',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const records = await recordsInScope(
      ctx.store,
      params,
      ['quarantining', 'quarantined'],
      'restore',
    );
    const hosts = byHost(records);
    const targets = await targetsFor(ctx.store, hosts.keys(), params.targets);
    await ctx.store.audit.append({
      at: ctx.now(),
      actor: ctx.job.createdBy,
      action: 'key.restore-requested',
      subject: params.fingerprint,
      details: { hosts: [...hosts.keys()], jobId: ctx.job.id },
    });
    return ctx.spawnChildren(
      [...hosts].map(([hostId, rs]) =>
        childFor('restore-key-host', targets.get(hostId) ?? { hostId }, {
          records: rs.map((r) => r.id),
          // The config the lines were found through, unless the request names one.
          ...configOf(params.sshdConfigPath ?? rs[0]?.sshdConfigPath),
        }),
      ),
    );
  },
});
