import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';

/**
 * Renews the management key of an agentless host without losing access: the new key is
 * added, a login with it is proven, it becomes the management key, and only then is the
 * old one removed. A failure at any step leaves a key that works; a retry finishes a
 * rotation that got as far as promoting the new key.
 */
export const renewMgmtKey = defineJob({
  type: 'renew-mgmt-key',
  describe: 'Renews the agentless management key of a host',
  params: Type.Object({}),
  runsOn: 'host',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(_params, ctx) {
    return ctx.runOnHost('renew-management-key', {});
  },
});
