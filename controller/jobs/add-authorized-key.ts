import { Type } from '@sinclair/typebox';
import { invalidInput, keyBlacklisted } from '../../shared/errors';
import type { AddAuthorizedKeyResult } from '../../shared/hostops/add-authorized-key';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';
import { recordingPlacement } from '../authorizations/recording-placement';
import { defineJob } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { rescanAccounts } from '../inventory/rescan-accounts';

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
export const addAuthorizedKey = defineJob({
  type: 'add-authorized-key',
  describe: 'Add an authorized key (with options) to an account',
  params: hostJobParams({
    account: Type.String({ minLength: 1 }),
    publicKey: Type.String({ minLength: 1, description: 'type base64 [comment]' }),
    options: Type.Optional(OptionsSchema),
    comment: Type.Optional(Type.String()),
    tag: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]+$' })),
    authorizedKeysFile: Type.Optional(Type.String({ minLength: 1 })),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
    ownedOptions: Type.Optional(Type.Array(OptionsSchema)),
    authorizationId: Type.Optional(Type.String({ minLength: 1 })),
  }),
  runsOn: 'host',
  timeoutMs: 2 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  run: recordingPlacement(async (params, ctx) => {
    const hostId = inventoryHostId(ctx, params);
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
    const { hostId: _h, connection: _c, authorizationId: _a, ...args } = params;
    const edit = (await ctx.runOnHost('add-authorized-key', args)) as AddAuthorizedKeyResult;
    await rescanAccounts(ctx, hostId, [params.account], params.sshdConfigPath);
    return { hostId, fingerprint, ...edit };
  }),
});
