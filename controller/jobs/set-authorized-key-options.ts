import { Type } from '@sinclair/typebox';
import { rescanAccounts } from '../inventory/rescan-accounts';
import { defineHostJob } from './define-host-job';
import { OptionsSchema } from './add-authorized-key';

/** Replaces the options (from=, command=, restrict, ...) of a managed key's lines. */
export const setAuthorizedKeyOptions = defineHostJob({
  type: 'set-authorized-key-options',
  describe: 'Set the options of an authorized key Keywarden manages',
  fields: {
    account: Type.String({ minLength: 1 }),
    fingerprint: Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' }),
    options: OptionsSchema,
    authorizedKeysFiles: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  },
  timeoutMs: 2 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ hostId, params, args }, ctx) {
    const r = await ctx.runOnHost('set-authorized-key-options', args);
    await rescanAccounts(ctx, hostId, [params.account], params.sshdConfigPath);
    return { hostId, ...r };
  },
});
