import { Type } from '@sinclair/typebox';
import type { ScanConfigsResult } from '../../shared/hostops/scan-configs';
import { defineJob, HOUR } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { ingestConfigs } from '../inventory/ingest-scans';
import { checkHostCommands } from '../auth/host-command-policy';

export const ScanConfigsFields = {
  sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  sshdBinary: Type.Optional(Type.String({ pattern: '^/' })),
};

/** OS release, SSH product and version, sshd settings and host keys into the inventory. */
export const scanConfigs = defineJob({
  type: 'scan-configs',
  describe: 'Scan OS release, SSH version, sshd_config (with Includes) and host keys',
  params: hostJobParams(ScanConfigsFields),
  runsOn: 'host',
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  hostScan: { defaultIntervalMs: 24 * HOUR },
  async run(params, ctx) {
    const hostId = inventoryHostId(ctx, params);
    checkHostCommands(ctx.config, 'scan-configs', params);
    // Before the host is read: the inventory keeps what edits record after this.
    const observedAt = ctx.now();
    const scan = (await ctx.runOnHost('scan-configs', {
      ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
      ...(params.sshdBinary ? { sshdBinary: params.sshdBinary } : {}),
    })) as ScanConfigsResult;
    const hostKeys = await ingestConfigs(ctx.store, hostId, scan, observedAt);
    return {
      hostId,
      os: scan.os?.prettyName ?? null,
      ssh: scan.ssh.serverVersion,
      settings: scan.sshdConfig.settings.length,
      configErrors: scan.sshdConfig.errors,
      hostKeys,
      findings: scan.findings ?? [],
    };
  },
});
