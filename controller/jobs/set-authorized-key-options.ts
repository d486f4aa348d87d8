import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { rescanAccounts } from '../inventory/rescan-accounts';
import { OptionsSchema } from './add-authorized-key';

/** Replaces the options (from=, command=, restrict, ...) of a managed key's lines. */
export const setAuthorizedKeyOptions = defineJob({
  type: 'set-authorized-key-options',
  describe: 'Set the options of an authorized key Keywarden manages',
  params: hostJobParams({
    account: Type.String({ minLength: 1 }),
    fingerprint: Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' }),
    options: OptionsSchema,
    authorizedKeysFiles: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  }),
  runsOn: 'host',
  timeoutMs: 2 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const hostId = inventoryHostId(ctx, params);
    const { hostId: _h, connection: _c, ...args } = params;
    const r = await ctx.runOnHost('set-authorized-key-options', args);
    await rescanAccounts(ctx, hostId, [params.account], params.sshdConfigPath);
    return { hostId, ...r };
  },
});
