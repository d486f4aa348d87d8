import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { childFor, TargetSchema } from '../inventory/host-target';
import { RelocateFields } from './relocate-user-keys-host';

/** Relocates user keys on many hosts: a relocate-user-keys-host child per host. */
export const relocateUserKeys = defineJob({
  type: 'relocate-user-keys',
  describe: 'Relocate user keys to root-owned files on hosts (one child job each)',
  params: Type.Object(
    { targets: Type.Array(TargetSchema, { minItems: 1 }), ...RelocateFields },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ targets, ...relocate }, ctx) {
    return ctx.spawnChildren(targets.map((t) => childFor('relocate-user-keys-host', t, relocate)));
  },
});
