import { Type } from '@sinclair/typebox';
import { defineHostJob } from './define-host-job';

/**
 * What sshd applies to one login (account, source address): the host's own `sshd -T`
 * with every Match block evaluated, for an operator asking why a login is (not) let in.
 * Read-only; the sshd program and config path are the allow-listed ones.
 */
export const readSshdEffectiveConfig = defineHostJob({
  type: 'read-sshd-effective-config',
  describe:
    'Read the sshd settings that apply to a login as an account from an address (sshd -T -C)',
  fields: {
    account: Type.String({ minLength: 1 }),
    sourceAddress: Type.String({ minLength: 1 }),
    sourceHost: Type.Optional(Type.String({ minLength: 1 })),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
    sshdBinary: Type.Optional(Type.String({ pattern: '^/' })),
  },
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ hostId, params }, ctx) {
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
