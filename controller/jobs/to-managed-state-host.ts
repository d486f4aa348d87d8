import { Type } from '@sinclair/typebox';
import { conflict } from '../../shared/errors';
import { defineJob } from '../engine/job-definition';

/**
 * Switches a host to managed (Keywarden may change its keys) after proving that the
 * management access works: a host Keywarden cannot log in to must not be marked managed.
 */
export const toManagedStateHost = defineJob({
  type: 'to-managed-state-host',
  describe: 'Switches a host to the managed state after checking management access',
  params: Type.Object({}),
  runsOn: 'host',
  timeoutMs: 2 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(_params, ctx) {
    const host = await ctx.store.hosts.get(ctx.job.hostId as string);
    if (!host) throw conflict(`host ${ctx.job.hostId ?? '(none)'} does not exist`);
    if (host.state === 'discovered')
      throw conflict(`host ${host.name} is still being discovered: it becomes monitored first`, {
        details: { field: 'state', value: host.state, expected: 'monitored' },
      });
    const verified =
      host.kind === 'agentless' ? await ctx.runOnHost('verify-management-key', {}) : null;
    const from = host.state;
    await ctx.store.hosts.update(host.id, { state: 'managed' }, ctx.now());
    await ctx.store.audit.append({
      at: ctx.now(),
      actor: `job:${ctx.job.id}`,
      action: 'host.state',
      subject: host.id,
      details: { from, to: 'managed' },
    });
    return { from, to: 'managed', verified };
  },
});
