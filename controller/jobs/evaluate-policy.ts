import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { evaluatePolicyChange } from '../policy/evaluate-policy-change';

/**
 * After a policy is added, edited or removed: its alerts are made to say what it says now,
 * over the whole inventory (raised where it finds something new, resolved where the edit
 * or the removal took the cause away). Queued by the policies API, one per policy at a
 * time; an edit made while one runs is picked up before it ends.
 */
export const evaluatePolicy = defineJob({
  type: 'evaluate-policy',
  describe: 'Evaluate one policy over the whole inventory after it was added, edited or removed',
  params: Type.Object({ policyId: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  runsOn: 'controller',
  timeoutMs: 60 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 30_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    return evaluatePolicyChange(ctx.store, params.policyId, {
      now: ctx.now,
      progress: async (hosts) => {
        ctx.signal.throwIfAborted();
        await ctx.heartbeat({ hosts });
      },
    });
  },
});
