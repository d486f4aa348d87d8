import { Type } from '@sinclair/typebox';
import { invalidInput, keyBlacklisted } from '../../shared/errors';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';
import { recordingPlacement } from '../authorizations/recording-placement';
import { rescanAccounts } from '../inventory/rescan-accounts';
import { defineHostJob } from './define-host-job';

export const OptionsSchema = Type.Array(
  Type.Object(
    { name: Type.String({ minLength: 1 }), value: Type.Optional(Type.String()) },
    { additionalProperties: false },
  ),
);

/**
 * Adds a key for an account (idempotent: the same key twice is one line; a hand-written
 * line with the key is left alone). A blacklisted key is refused before the host is touched.
 */
export const addAuthorizedKey = defineHostJob({
  type: 'add-authorized-key',
  describe: 'Add an authorized key (with options) to an account',
  fields: {
    account: Type.String({ minLength: 1 }),
    publicKey: Type.String({ minLength: 1, description: 'type base64 [comment]' }),
    options: Type.Optional(OptionsSchema),
    comment: Type.Optional(Type.String()),
    tag: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]+$' })),
    authorizedKeysFile: Type.Optional(Type.String({ minLength: 1 })),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
    ownedOptions: Type.Optional(Type.Array(OptionsSchema)),
    authorizationId: Type.Optional(Type.String({ minLength: 1 })),
  },
  timeoutMs: 2 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  // A job naming an authorization records its placement (recording-placement.ts).
  run: recordingPlacement(async ({ hostId, params, args }, ctx) => {
    const parsed = parsePublicKeyLine(params.publicKey);
    if (!parsed.ok) {
      throw invalidInput(`publicKey is not a public key: ${parsed.reason}`, {
        details: { field: 'publicKey', value: params.publicKey.slice(0, 100) },
      });
    }
    const fingerprint = parsed.key.sha256;
    const banned = await ctx.store.inventory.blacklist.get(fingerprint);
    if (banned) {
      throw keyBlacklisted(`key ${fingerprint} is blacklisted (${banned.reason}); not added`, {
        details: { field: 'publicKey', fingerprint, blacklistedAt: banned.createdAt },
      });
    }
    // The authorization is the controller's record, not the host operation's business.
    const { authorizationId: _a, ...hostArgs } = args;
    const edit = await ctx.runOnHost('add-authorized-key', hostArgs);
    await rescanAccounts(ctx, hostId, [params.account], params.sshdConfigPath);
    return { hostId, fingerprint, ...edit };
  }),
});
