import { Type } from '@sinclair/typebox';
import { HOUR } from '../engine/job-definition';
import { ingestConfigs } from '../inventory/ingest-scans';
import { evaluateAfterScan, settingsChanged } from '../policy/evaluate-after-scan';
import { defineHostJob } from './define-host-job';
import { catchUpRevocation } from '../revocation/revocation-catch-up';

export const ScanConfigsFields = {
  sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  sshdBinary: Type.Optional(Type.String({ pattern: '^/' })),
};

/** OS release, SSH product and version, sshd settings and host keys into the inventory. */
export const scanConfigs = defineHostJob({
  type: 'scan-configs',
  describe: 'Scan OS release, SSH version, sshd_config (with Includes) and host keys',
  fields: ScanConfigsFields,
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  hostScan: { defaultIntervalMs: 24 * HOUR },
  async run({ hostId, params, observedAt }, ctx) {
    const scan = await ctx.runOnHost('scan-configs', {
      ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
      ...(params.sshdBinary ? { sshdBinary: params.sshdBinary } : {}),
    });
    const before = await ctx.store.inventory.hostConfigs.get(hostId);
    const hostKeys = await ingestConfigs(ctx.store, hostId, scan, observedAt);
    const policy = await evaluateAfterScan(ctx, hostId, [
      hostKeys,
      { changed: settingsChanged(before, scan.sshdConfig) },
    ]);
    // The host answered: a revocation it missed (unreachable, failed) is queued for it now.
    const revocation = await catchUpRevocation(ctx, hostId);
    return {
      hostId,
      os: scan.os?.prettyName ?? null,
      ssh: scan.ssh.serverVersion,
      settings: scan.sshdConfig.settings.length,
      configErrors: scan.sshdConfig.errors,
      hostKeys,
      findings: scan.findings ?? [],
      ...(revocation ? { revocationJobId: revocation.id } : {}),
      policy,
    };
  },
});
