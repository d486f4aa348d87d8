import { Type } from '@sinclair/typebox';
import type { ScanAuthorizedKeysResult } from '../../shared/hostops/scan-authorized-keys';
import { followAuthorizations } from '../authorizations/follow-authorizations';
import { defineJob } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { flagBlacklistedKeys } from '../inventory/flag-blacklisted';
import { ingestAuthorizedKeys } from '../inventory/ingest-scans';

/** Reads every authorized key sshd would accept on the host into the inventory. */
export const scanAuthorizedKeys = defineJob({
  type: 'scan-authorized-keys',
  describe: 'Scan the authorized keys of every account (the files sshd reads) into the inventory',
  params: hostJobParams({
    accounts: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  }),
  runsOn: 'host',
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const hostId = inventoryHostId(ctx, params);
    // Before the host is read: the inventory keeps what edits record after this.
    const observedAt = ctx.now();
    const scan = (await ctx.runOnHost('scan-authorized-keys', {
      ...(params.accounts ? { accounts: params.accounts } : {}),
      ...(params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {}),
    })) as ScanAuthorizedKeysResult;
    const synced = await ingestAuthorizedKeys(ctx.store, hostId, scan, observedAt, params.accounts);
    const blacklisted = await flagBlacklistedKeys(ctx.store, hostId, scan.keys, ctx.now());
    const authorizations = await followAuthorizations(ctx, hostId, scan, observedAt, params);
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
    };
  },
});
