import { Type } from '@sinclair/typebox';
import { withDefault } from '../engine/job-definition';
import { recordGeneratedKey } from '../inventory/record-generated-key';
import { defineHostJob } from './define-host-job';

export const PolicySchema = Type.Union([
  Type.Object({ type: Type.Literal('ed25519') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('ecdsa'),
      bits: Type.Union([Type.Literal(256), Type.Literal(384), Type.Literal(521)]),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('rsa'), bits: Type.Integer({ minimum: 2048, maximum: 16384 }) },
    { additionalProperties: false },
  ),
]);

export const KeyPairFields = {
  account: Type.String({ minLength: 1 }),
  policy: PolicySchema,
  comment: withDefault(Type.String(), 'keywarden'),
  /** Default ~/.ssh/id_<type>. */
  path: Type.Optional(Type.String({ pattern: '^/' })),
};

/**
 * Generates a key pair for an account (type and size from policy; 0600, owned by the
 * account, with its .pub). An existing key at the path is a CONFLICT: renew-private-key
 * replaces one on purpose. Not retried blindly: a second attempt would meet its own key.
 */
export const generatePrivateKey = defineHostJob({
  type: 'generate-private-key',
  describe: 'Generate a private key (with its .pub) for an account',
  fields: KeyPairFields,
  timeoutMs: 3 * 60_000,
  adminTriggerable: true,
  async run({ hostId, params, args }, ctx) {
    const key = await ctx.runOnHost('generate-private-key', args);
    await recordGeneratedKey(ctx.store, hostId, params.account, key, ctx.now());
    return { hostId, ...key };
  },
});
