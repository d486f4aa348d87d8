import { Type } from '@sinclair/typebox';
import { hostSshdConfig, removeChild } from '../authorizations/authorization-children';
import { loadAuthorization } from '../authorizations/load-authorization';
import { expiringRecordId } from '../authorizations/expiry-record-id';
import type { ChildJob } from '../engine/job-definition';
import { defineJob } from '../engine/job-definition';

/**
 * Ends an authorization (removed by an admin, or expired: internal-expire-authorizations
 * queues it to run at the expiry) and removes its line from every host that holds it: one
 * remove-authorized-key child per placement. Only the line the records say Keywarden placed
 * (same account, key and options) is removed; other lines with the key, whoever wrote them
 * and whatever marker they carry, stay. The authorization and its placements stay in history.
 */
export const removeAuthorization = defineJob({
  type: 'remove-authorization',
  describe: 'Remove an authorization: take its line off every host that holds it',
  params: Type.Object(
    {
      authorizationId: Type.String({ minLength: 1 }),
      reason: Type.Optional(Type.Union([Type.Literal('removed'), Type.Literal('expired')])),
    },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    let auth = await loadAuthorization(ctx.store, params.authorizationId);
    const now = ctx.now();
    if (params.reason === 'expired' && auth.state === 'active') {
      // The expiry was moved later after this job was queued: not yet.
      if (auth.expiresAt === null || auth.expiresAt > now + 1_000)
        return { skipped: `authorization ${auth.id} does not expire now` };
      auth =
        (await ctx.store.authorizations.transition(
          auth.id,
          ['active'],
          { state: 'expired', by: 'system' },
          now,
        )) ?? (await loadAuthorization(ctx.store, auth.id));
    } else if (auth.state === 'active') {
      auth =
        (await ctx.store.authorizations.transition(
          auth.id,
          ['active'],
          { state: 'removed', by: ctx.job.createdBy },
          now,
        )) ?? (await loadAuthorization(ctx.store, auth.id));
    }
    if (params.reason !== 'expired')
      await ctx.store.expiringRecords.remove(expiringRecordId(auth.id));
    const children: ChildJob[] = [];
    for (const p of await ctx.store.authorizations.listPlacements({ authorizationId: auth.id })) {
      // Nothing of Keywarden's is on a host where the placement was removed or blocked.
      if (p.state === 'removed' || p.state === 'blocked') continue;
      children.push(removeChild(auth, p, await hostSshdConfig(ctx.store, p.hostId)));
      await ctx.store.authorizations.putPlacement({
        ...p,
        state: 'removing',
        jobId: ctx.job.id,
        updatedAt: now,
      });
    }
    if (children.length === 0) return { authorization: auth.state, hosts: 0 };
    return ctx.spawnChildren(children);
  },
});
