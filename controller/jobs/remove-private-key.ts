import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { inventoryItemKey } from '../store/inventory-records';
import { checkPrivateKeyRemoval } from '../auth/host-command-policy';

/** Removes a private key file, its .pub and the backups Keywarden's writes left. */
export const removePrivateKey = defineJob({
  type: 'remove-private-key',
  describe: 'Remove a private key (and its .pub) from a host',
  params: hostJobParams({ path: Type.String({ pattern: '^/' }) }),
  runsOn: 'host',
  timeoutMs: 2 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const hostId = inventoryHostId(ctx, params);
    // Deleting as root: only a key the inventory found there (checked at the API too).
    await checkPrivateKeyRemoval(ctx.store, hostId, params.path);
    const r = await ctx.runOnHost('remove-private-key', {
      path: params.path,
    });
    const key = inventoryItemKey('private-key', { path: params.path });
    await ctx.store.inventory.items.markRemoved('private-key', hostId, [key], ctx.now());
    return { hostId, ...r };
  },
});
