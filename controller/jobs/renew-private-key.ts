import { recordGeneratedKey } from '../inventory/record-generated-key';
import { inventoryItemKey } from '../store/inventory-records';
import { defineHostJob } from './define-host-job';
import { KeyPairFields } from './generate-private-key';

/**
 * Replaces an account's key pair with a new one of the policy's type and size (the old
 * one is kept beside it as the write's backup). Running it again renews again, so a retry
 * is harmless: the result is always one fresh key.
 */
export const renewPrivateKey = defineHostJob({
  type: 'renew-private-key',
  describe: 'Renew (replace) a private key of an account',
  fields: KeyPairFields,
  timeoutMs: 3 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ hostId, params, args }, ctx) {
    const key = await ctx.runOnHost('generate-private-key', {
      ...args,
      replace: true,
    });
    const [before] = (
      await ctx.store.inventory.items.list('private-key', { hostId, includeRemoved: true })
    ).filter((i) => i.key === inventoryItemKey('private-key', { path: key.path }));
    await recordGeneratedKey(ctx.store, hostId, params.account, key, ctx.now());
    return { hostId, previousFingerprint: before?.fingerprint ?? null, ...key };
  },
});
