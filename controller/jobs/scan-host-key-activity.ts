import { Type } from '@sinclair/typebox';
import type { KeyActivityCursor } from '../../shared/hostops/scan-key-activity';
import { HOUR } from '../engine/job-definition';
import { evaluateAfterScan } from '../policy/evaluate-after-scan';
import { ingestKeyActivity } from '../inventory/ingest-key-activity';
import { defineHostJob } from './define-host-job';

export const KeyActivityFields = {
  /** Live auth logs (default /var/log/auth.log and /var/log/secure); rotations are read too. */
  logFiles: Type.Optional(Type.Array(Type.String({ pattern: '^/' }), { minItems: 1 })),
  utcOffsetMinutes: Type.Optional(Type.Integer({ minimum: -900, maximum: 900 })),
  /** The systemd journal: `auto` reads it when none of the log files exists. */
  journal: Type.Optional(
    Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')]),
  ),
};

/**
 * Key logins since the host's stored cursor into key usage (last used, from where). The
 * cursor is kept per host, so a login is counted once however often the scan runs.
 */
export const scanHostKeyActivity = defineHostJob({
  type: 'scan-host-key-activity',
  describe: 'Scan auth logs for key logins since the last scan into key usage',
  fields: KeyActivityFields,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  hostScan: { defaultIntervalMs: HOUR },
  async run({ hostId, params }, ctx) {
    const cursor = (await ctx.store.inventory.keyUsage.getCursor(
      hostId,
    )) as KeyActivityCursor | null;
    const scan = await ctx.runOnHost('scan-key-activity', {
      ...(params.logFiles ? { logFiles: params.logFiles } : {}),
      ...(params.utcOffsetMinutes !== undefined
        ? { utcOffsetMinutes: params.utcOffsetMinutes }
        : {}),
      ...(params.journal ? { journal: params.journal } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const { logins } = await ingestKeyActivity(ctx.store, hostId, scan, ctx.now());
    const policy = await evaluateAfterScan(ctx, hostId, [{ changed: logins > 0 }]);
    return {
      hostId,
      logins,
      missingFiles: scan.missingFiles,
      journal: scan.journal,
      findings: scan.findings ?? [],
      policy,
    };
  },
});
