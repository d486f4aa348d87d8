import { Type } from '@sinclair/typebox';
import { conflict, invalidInput } from '../../shared/errors';
import { loadAuthorization, requireActive } from '../authorizations/load-authorization';
import { placeAuthorization } from '../authorizations/place-authorization';
import { defineJob } from '../engine/job-definition';
import { inventoryItemKey } from '../store/inventory-records';

/**
 * Places an authorization whose key is a private key Keywarden found or generated on a
 * host: its public half goes to the targets, as add-authorizations does. The key must still
 * be in the inventory where it was found, with the same fingerprint: a key file replaced
 * since (renewed, or swapped by hand) is not authorized on the strength of the old one.
 */
export const authorizePrivateKeyParent = defineJob({
  type: 'authorize-private-key-parent',
  describe: 'Authorize a private key from the inventory: place its public half on the targets',
  params: Type.Object(
    { authorizationId: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const auth = await loadAuthorization(ctx.store, params.authorizationId);
    requireActive(auth);
    const src = auth.source;
    if (src.kind !== 'private-key')
      throw invalidInput(
        `authorization ${auth.id} is for a public key: use add-authorizations for it`,
        { details: { field: 'authorizationId', value: auth.id } },
      );
    const key = inventoryItemKey('private-key', { path: src.path });
    const [item] = (
      await ctx.store.inventory.items.list('private-key', { hostId: src.hostId })
    ).filter((i) => i.key === key);
    if (!item || item.fingerprint !== auth.fingerprint)
      throw conflict(
        `the private key ${src.path} on host ${src.hostId} is ${item ? `now ${item.fingerprint ?? 'unreadable'}` : 'no longer in the inventory'}, not ${auth.fingerprint}: remove this authorization and authorize the key found now`,
        { details: { field: 'authorizationId', value: auth.id, path: src.path } },
      );
    return placeAuthorization(ctx, auth);
  },
});
