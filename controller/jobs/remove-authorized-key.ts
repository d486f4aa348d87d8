import { Type } from '@sinclair/typebox';
import { commandFailed, invalidInput } from '../../shared/errors';
import type { RevokeAuthorizedKeyResult } from '../../shared/hostops/revoke-authorized-key';
import { recordingRemoval } from '../authorizations/recording-placement';
import { OptionsSchema } from './add-authorized-key';
import { keysOfRemovedLines } from '../inventory/removed-lines';
import { defineHostJob } from './define-host-job';

/**
 * Removes a key by fingerprint: from one account (only lines Keywarden added, unless
 * `includeUnmanaged`), or, without an account, from every account whoever wrote the line
 * (a revocation: blacklist-keys runs it on each host that has the key).
 */
export const removeAuthorizedKey = defineHostJob({
  type: 'remove-authorized-key',
  describe: 'Remove an authorized key by fingerprint from an account, or revoke it from all',
  fields: {
    account: Type.Optional(Type.String({ minLength: 1 })),
    fingerprint: Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' }),
    includeUnmanaged: Type.Optional(Type.Boolean()),
    authorizedKeysFiles: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
    ownedOptions: Type.Optional(Type.Array(OptionsSchema)),
    authorizationId: Type.Optional(Type.String({ minLength: 1 })),
  },
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  // A job naming an authorization records the placement removed (recording-placement.ts).
  run: recordingRemoval(async ({ hostId, params }, ctx) => {
    const config = params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {};
    let files: { account: string; file: string; lines: number[] }[];
    let skippedUnmanaged: { file: string; lines: number[] }[] = [];
    let failed: RevokeAuthorizedKeyResult['failed'] = [];
    if (params.account === undefined) {
      if (params.includeUnmanaged !== true) {
        throw invalidInput(
          'without account the key is revoked from every account, hand-written lines included: set includeUnmanaged to true',
          { details: { field: 'includeUnmanaged', value: params.includeUnmanaged ?? null } },
        );
      }
      const r = await ctx.runOnHost('revoke-authorized-key', {
        fingerprint: params.fingerprint,
        ...config,
      });
      files = r.files;
      failed = r.failed;
    } else {
      const account = params.account;
      const r = await ctx.runOnHost('remove-authorized-key', {
        account,
        fingerprint: params.fingerprint,
        ...(params.includeUnmanaged ? { includeUnmanaged: true } : {}),
        ...(params.authorizedKeysFiles ? { authorizedKeysFiles: params.authorizedKeysFiles } : {}),
        ...(params.ownedOptions ? { ownedOptions: params.ownedOptions } : {}),
        ...config,
      });
      files = r.files
        .filter((f) => f.lines.length)
        .map((f) => ({ account, file: f.file, lines: f.lines }));
      skippedUnmanaged = r.files
        .filter((f) => f.skippedUnmanaged.length)
        .map((f) => ({ file: f.file, lines: f.skippedUnmanaged }));
    }
    const keys = await keysOfRemovedLines(ctx.store, hostId, params.fingerprint, files);
    await ctx.store.inventory.items.markRemoved('authorized-key', hostId, keys, ctx.now());
    if (failed.length) {
      throw commandFailed(
        `key ${params.fingerprint} could not be removed from ${failed.map((f) => `${f.file} (${f.code}: ${f.message})`).join(', ')}`,
        { details: { hostId, removedFrom: files, failed } },
      );
    }
    return {
      hostId,
      removed: files.reduce((n, f) => n + f.lines.length, 0),
      files,
      skippedUnmanaged,
    };
  }),
});
