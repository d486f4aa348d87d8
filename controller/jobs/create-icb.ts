import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { createIcbFile } from '../enrollment/create-icb-file';
import { secretBoxFor } from '../secrets/secret-boxes';
import { invalidInput } from '../../shared/errors';

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
 * What a create-icb job stores as its result. Job results are readable by auditors
 * (GET /api/v1/jobs/:id) and kept in plain text, and the ICB carries its enrollment token
 * in clear, so the ICB is kept only sealed with the master key; POST /api/v1/icb opens it.
 */
export interface CreateIcbResult {
  icbId: string;
  expiresAt: number;
  /** JSON of the signed ICB file, sealed under {@link icbSealContext}(icbId). */
  sealedIcb: string;
}

/** Binds a sealed ICB to its id, so it does not open when copied into another job's result. */
export function icbSealContext(icbId: string): string {
  return `icb:${icbId}`;
}

/**
 * Creates an ICB file for configuring agent hosts. Its enrollment token is single use and
 * expires; the store keeps only the token's hash and the ICB sealed (see CreateIcbResult).
 */
export const createIcb = defineJob({
  type: 'create-icb',
  describe: 'Creates an ICB file (initial configuration block) for enrolling agents',
  params: IcbParams,
  runsOn: 'controller',
  timeoutMs: 60_000,
  // Not idempotent, so one attempt: a retry would mint a second token; the admin asks again.
  // Only through POST /api/v1/icb (keywarden icb create), the one caller that can open the
  // sealed ICB: started as a plain job it would mint a token nobody can read.
  adminTriggerable: false,
  async run(params, ctx): Promise<CreateIcbResult> {
    if (params.groupId && !(await ctx.store.hostGroups.get(params.groupId))) {
      throw invalidInput(`host group ${params.groupId} does not exist`);
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
    const { icbId, expiresAt } = icb.payload;
    const sealedIcb = secretBoxFor(ctx.config).seal(JSON.stringify(icb), icbSealContext(icbId));
    return { icbId, expiresAt, sealedIcb };
  },
});
