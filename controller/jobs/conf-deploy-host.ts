import { Type } from '@sinclair/typebox';
import { commandFailed } from '../../shared/errors';
import type { DeploySshdConfigResult } from '../../shared/hostops/deploy-sshd-config';
import type { ScanConfigsResult } from '../../shared/hostops/scan-configs';
import { defineJob } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { ingestConfigs } from '../inventory/ingest-scans';
import { checkHostCommands } from '../auth/host-command-policy';

export const DeployFields = {
  content: Type.String({ minLength: 1 }),
  /** The file to replace (default /etc/ssh/sshd_config); may be an Included file. */
  path: Type.Optional(Type.String({ pattern: '^/' })),
  /** The main config sshd -t checks, when `path` is an Included file. */
  mainConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  /** Refuse (FILE_CHANGED) unless the file is still what the change was prepared against. */
  expectedSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  reloadCommand: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  sshdBinary: Type.Optional(Type.String({ pattern: '^/' })),
};

/**
 * Deploys an sshd configuration on one host: sshd -t judges it, then the reload; when
 * either fails the previous file is back in place and the job fails saying why. Deploying
 * the same content again is a no-op, so a retry is safe. The host's config inventory is
 * refreshed from what is on disk afterwards, read over the same connection (a reload can
 * briefly refuse new ones).
 */
export const confDeployHost = defineJob({
  type: 'conf-deploy-host',
  describe: 'Deploy an sshd configuration to one host, rolled back if sshd rejects it',
  params: hostJobParams(DeployFields),
  runsOn: 'host',
  timeoutMs: 3 * 60_000,
  retry: { maxAttempts: 2, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const hostId = inventoryHostId(ctx, params);
    // Checked again here: a job queued by a parent or stored before a setting narrowed.
    checkHostCommands(ctx.config, 'conf-deploy-host', params);
    const { hostId: _h, connection: _c, ...args } = params;
    // Before the host is read: the inventory keeps what edits record after this.
    const observedAt = ctx.now();
    const { deploy: r, configs } = (await ctx.runOnHost('deploy-sshd-config-then-scan', args)) as {
      deploy: DeploySshdConfigResult;
      configs: ScanConfigsResult;
    };
    // What is on disk now (the old file again after a rollback) is what the inventory keeps.
    await ingestConfigs(ctx.store, hostId, configs, observedAt);
    if (r.status === 'rolled-back') {
      throw commandFailed(
        `sshd refused the new configuration at the ${r.stage} stage; the previous file was put back: ${r.output}`,
        { details: { hostId, stage: r.stage, output: r.output } },
      );
    }
    return { hostId, ...r };
  },
});
