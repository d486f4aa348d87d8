import { Type } from '@sinclair/typebox';
import { loadAuthorization, requireActive } from '../authorizations/load-authorization';
import { placeAuthorization } from '../authorizations/place-authorization';
import { defineJob } from '../engine/job-definition';

/**
 * Makes every host an authorization reaches hold its line: one add-authorized-key child per
 * host (the grant's host, or each host of its group now), and a removal for hosts that left
 * the group. Run again, it reaches hosts that joined the group since; scans do the same
 * per host (controller/authorizations/follow-authorizations.ts).
 */
export const addAuthorizations = defineJob({
  type: 'add-authorizations',
  describe: 'Place an authorization (a key for an account) on its host or every host of its group',
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
    return placeAuthorization(ctx, auth);
  },
});
