import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { childFor, TargetSchema } from '../inventory/host-target';
import { DeployFields } from './conf-deploy-host';

/** Deploys one sshd configuration to many hosts: a conf-deploy-host child per host. */
export const confDeploy = defineJob({
  type: 'conf-deploy',
  describe: 'Deploy an sshd configuration to hosts (one conf-deploy-host job each)',
  params: Type.Object(
    { targets: Type.Array(TargetSchema, { minItems: 1 }), ...DeployFields },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ targets, ...deploy }, ctx) {
    return ctx.spawnChildren(targets.map((t) => childFor('conf-deploy-host', t, deploy)));
  },
});
