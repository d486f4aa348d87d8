import { Type, type TProperties } from '@sinclair/typebox';
import { defineJob, type JobTypeName, type RootFields } from '../engine/job-definition';
import { childFor, TargetSchema, type OwnParams, type Target } from '../inventory/host-target';

/**
 * A parent that does one thing on many hosts: its params are `targets` plus the child's
 * own fields, and it spawns one `childType` job per target, ending when they all have.
 */
export function defineFanOutJob<const T extends string, F extends TProperties>(def: {
  type: T;
  describe: string;
  /**
   * A string, not a JobTypeName: a definition's own type cannot name the registry's types
   * (the registry's types are made from it). Queuing the children checks it at run time.
   */
  childType: string;
  fields: F;
  /** The child's, for its fields the parent carries (checked before the parent is queued). */
  rootFields?: RootFields;
}) {
  return defineJob({
    type: def.type,
    describe: def.describe,
    params: Type.Object(
      { targets: Type.Array(TargetSchema, { minItems: 1 }), ...def.fields },
      { additionalProperties: false },
    ),
    runsOn: 'controller',
    timeoutMs: 60_000,
    retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
    adminTriggerable: true,
    idempotent: true,
    ...(def.rootFields ? { rootFields: def.rootFields } : {}),
    async run(params, ctx) {
      // Generic TypeBox statics do not narrow here; the schema above has checked the shape,
      // and its fields are the child's own (conf-deploy passes DeployFields to both).
      const { targets, ...fields } = params as unknown as { targets: Target[] } & object;
      const childType = def.childType as JobTypeName;
      return ctx.spawnChildren(
        targets.map((t) => childFor(childType, t, fields as OwnParams<typeof childType>)),
      );
    },
  });
}
