import { Type } from '@sinclair/typebox';
import { defineJob, HOUR } from '../engine/job-definition';

/**
 * Moves quarantined lines whose watch period has ended to deletion: one retire-key per key
 * and registered host. A robot that deletes is off until an admin enables it
 * (PATCH /api/v1/robots/internal-retire-quarantined-keys); until then an admin retires.
 */
export const internalRetireQuarantinedKeys = defineJob({
  type: 'internal-retire-quarantined-keys',
  describe: 'Deletes quarantined keys past their watch period (off by default)',
  params: Type.Object({}),
  runsOn: 'controller',
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 },
  singleton: true,
  adminTriggerable: true,
  idempotent: true,
  robot: { instances: 1, intervalMs: HOUR, enabled: false },
  async run(_params, ctx) {
    const due = await ctx.store.keyQuarantines.list({
      state: ['quarantined'],
      watchEndedBefore: ctx.now(),
    });
    const pairs = new Map<string, { fingerprint: string; hostId: string }>();
    for (const r of due) pairs.set(`${r.fingerprint}|${r.hostId}`, r);
    let queued = 0;
    let skipped = 0;
    for (const { fingerprint, hostId } of pairs.values()) {
      // A host not registered (reached once by a connection) has no way to be reached now.
      if (!(await ctx.store.hosts.get(hostId))) {
        skipped += 1;
        continue;
      }
      await ctx.enqueue({
        type: 'retire-key',
        params: { fingerprint, hostId },
        trigger: 'system',
        dedupeKey: `retire-key:${fingerprint}:${hostId}`,
      });
      queued += 1;
    }
    return { due: due.length, queued, skipped };
  },
});
