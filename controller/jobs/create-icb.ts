import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { createIcbFile } from '../agents/create-icb-file';

export const IcbParams = Type.Object(
  {
    groupId: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    mode: Type.Optional(Type.Union([Type.Literal('stream'), Type.Literal('periodic')])),
    connectIntervalMs: Type.Optional(Type.Integer({ minimum: 10_000 })),
    maxConcurrentJobs: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    heartbeatIntervalMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    validityMs: Type.Optional(Type.Integer({ minimum: 60_000 })),
  },
  { additionalProperties: false },
);

/**
 * Creates an ICB file for configuring agent hosts. The result is the signed ICB; its
 * enrollment token is single use and expires, and only its hash is kept in the store.
 */
export const createIcb = defineJob({
  type: 'create-icb',
  describe: 'Creates an ICB file (initial configuration block) for enrolling agents',
  params: IcbParams,
  runsOn: 'controller',
  timeoutMs: 60_000,
  // A retry would mint a second token: fail instead and let the admin ask again.
  retry: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 },
  adminTriggerable: true,
  async run(params, ctx) {
    if (params.groupId && !(await ctx.store.hostGroups.get(params.groupId))) {
      throw Object.assign(new Error(`host group ${params.groupId} does not exist`), {
        code: 'INVALID_INPUT',
        retryable: false,
      });
    }
    const icb = await createIcbFile(ctx.store, ctx.config, params, ctx.job.createdBy, ctx.now());
    await ctx.store.audit.append({
      at: ctx.now(),
      actor: ctx.job.createdBy,
      action: 'icb.created',
      subject: icb.payload.icbId,
      details: {
        groupId: icb.payload.groupId,
        expiresAt: icb.payload.expiresAt,
        controllers: icb.payload.controllers,
        mode: icb.payload.settings.mode,
      },
    });
    return { icbId: icb.payload.icbId, expiresAt: icb.payload.expiresAt, icb };
  },
});
