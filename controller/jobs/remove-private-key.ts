import { Type } from '@sinclair/typebox';
import { inventoryItemKey } from '../store/inventory-records';
import { defineHostJob } from './define-host-job';

/** Removes a private key file, its .pub and the backups Keywarden's writes left. */
export const removePrivateKey = defineHostJob({
  type: 'remove-private-key',
  describe: 'Remove a private key (and its .pub) from a host',
  fields: { path: Type.String({ pattern: '^/' }) },
  // Deleting as root: only a key the inventory found there (checked when queued and run).
  rootFields: { privateKey: 'path' },
  timeoutMs: 2 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ hostId, params }, ctx) {
    const r = await ctx.runOnHost('remove-private-key', {
      path: params.path,
    });
    const key = inventoryItemKey('private-key', { path: params.path });
    await ctx.store.inventory.items.markRemoved('private-key', hostId, [key], ctx.now());
    return { hostId, ...r };
  },
});
