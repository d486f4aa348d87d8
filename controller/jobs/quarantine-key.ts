import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { childFor } from '../inventory/host-target';
import { checkQuarantine } from '../retirement/check-quarantine';
import { DAY_MS, quarantineOptions } from '../retirement/quarantine-options';
import { byHost, ScopeFields, targetsFor } from '../retirement/retirement-targets';

/**
 * The first stage of retiring an unused key: every line of the key in scope is replaced by
 * a restricted one that lets no login through (quarantine-options.ts), its original kept to
 * be put back (restore-key) or deleted after the watch period (retire-key). Refused, before
 * anything is recorded, for a key Keywarden logs in with and a key used within `unusedDays`.
 */
export const quarantineKey = defineJob({
  type: 'quarantine-key',
  describe: 'Quarantine an unused key wherever it is authorized (restore-key undoes it)',
  params: Type.Object(
    {
      ...ScopeFields,
      unusedDays: Type.Integer({ minimum: 1, maximum: 36_500 }),
      watchDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_650 })),
    },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const now = ctx.now();
    const places = await checkQuarantine(ctx.store, params, now);
    const hosts = byHost(places);
    const targets = await targetsFor(ctx.store, hosts.keys(), params.targets);
    const watchUntil = now + (params.watchDays ?? 30) * DAY_MS;
    const options = quarantineOptions(now);
    await ctx.store.audit.append({
      at: now,
      actor: ctx.job.createdBy,
      action: 'key.quarantine-requested',
      subject: params.fingerprint,
      details: {
        hosts: [...hosts.keys()],
        unusedDays: params.unusedDays,
        watchUntil,
        jobId: ctx.job.id,
      },
    });
    return ctx.spawnChildren(
      [...hosts].map(([hostId, items]) => {
        const accounts = new Map<string, { name: string; value?: string }[][]>();
        for (const i of items)
          accounts.set(i.account ?? '', [...(accounts.get(i.account ?? '') ?? []), i.data.options]);
        return childFor('quarantine-key-host', targets.get(hostId) ?? { hostId }, {
          fingerprint: params.fingerprint,
          accounts: [...accounts].map(([account, options]) => ({ account, options })),
          quarantineOptions: options,
          watchUntil,
          ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
        });
      }),
    );
  },
});
