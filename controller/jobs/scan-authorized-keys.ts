import { Type } from '@sinclair/typebox';
import { HOUR } from '../engine/job-definition';
import { followAuthorizations } from '../authorizations/follow-authorizations';
import { flagBlacklistedKeys } from '../inventory/flag-blacklisted';
import { ingestAuthorizedKeys } from '../inventory/ingest-scans';
import { evaluateAfterScan } from '../policy/evaluate-after-scan';
import { defineHostJob } from './define-host-job';

/** Reads every authorized key sshd would accept on the host into the inventory. */
export const scanAuthorizedKeys = defineHostJob({
  type: 'scan-authorized-keys',
  describe: 'Scan the authorized keys of every account (the files sshd reads) into the inventory',
  fields: {
    accounts: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  },
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  hostScan: { defaultIntervalMs: 24 * HOUR },
  async run({ hostId, params, observedAt }, ctx) {
    const scan = await ctx.runOnHost('scan-authorized-keys', {
      ...(params.accounts ? { accounts: params.accounts } : {}),
      ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
    });
    const synced = await ingestAuthorizedKeys(ctx.store, hostId, scan, observedAt, params.accounts);
    const blacklisted = await flagBlacklistedKeys(ctx.store, hostId, scan.keys, ctx.now());
    const authorizations = await followAuthorizations(ctx, hostId, scan, observedAt, params);
    const policy = await evaluateAfterScan(ctx, hostId, [
      synced,
      { changed: blacklisted.length > 0 },
    ]);
    return {
      hostId,
      keys: scan.keys.length,
      ...synced,
      blacklisted,
      authorizations,
      invalidLines: scan.invalidLines,
      configErrors: scan.configErrors,
      unsafePaths: scan.unsafePaths ?? [],
      findings: scan.findings ?? [],
      policy,
    };
  },
});
