import { defineJob } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { recordGeneratedKey } from '../inventory/record-generated-key';
import { inventoryItemKey } from '../store/inventory-records';
import { KeyPairFields } from './generate-private-key';

/**
 * Replaces an account's key pair with a new one of the policy's type and size (the old
 * one is kept beside it as the write's backup). Running it again renews again, so a retry
 * is harmless: the result is always one fresh key.
 */
export const renewPrivateKey = defineJob({
  type: 'renew-private-key',
  describe: 'Renew (replace) a private key of an account',
  params: hostJobParams(KeyPairFields),
  runsOn: 'host',
  timeoutMs: 3 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const hostId = inventoryHostId(ctx, params);
    const { hostId: _h, connection: _c, ...args } = params;
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
