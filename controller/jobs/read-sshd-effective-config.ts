import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { checkHostCommands } from '../auth/host-command-policy';

/**
 * What sshd applies to one login (account, source address): the host's own `sshd -T`
 * with every Match block evaluated, for an operator asking why a login is (not) let in.
 * Read-only; the sshd program and config path are the allow-listed ones.
 */
export const readSshdEffectiveConfig = defineJob({
  type: 'read-sshd-effective-config',
  describe:
    'Read the sshd settings that apply to a login as an account from an address (sshd -T -C)',
  params: hostJobParams({
    account: Type.String({ minLength: 1 }),
    sourceAddress: Type.String({ minLength: 1 }),
    sourceHost: Type.Optional(Type.String({ minLength: 1 })),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
    sshdBinary: Type.Optional(Type.String({ pattern: '^/' })),
  }),
  runsOn: 'host',
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const hostId = inventoryHostId(ctx, params);
    checkHostCommands(ctx.config, 'read-sshd-effective-config', params);
    const r = await ctx.runOnHost('read-sshd-effective-config', {
      user: params.account,
      addr: params.sourceAddress,
      ...(params.sourceHost ? { host: params.sourceHost } : {}),
      ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
      ...(params.sshdBinary ? { sshdBinary: params.sshdBinary } : {}),
    });
    return { hostId, ...r };
  },
});
