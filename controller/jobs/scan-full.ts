import { Type } from '@sinclair/typebox';
import type { ScanFullResult } from '../../shared/hostops/scan-full';
import type { KeyActivityCursor } from '../../shared/hostops/scan-key-activity';
import { checkHostCommands } from '../auth/host-command-policy';
import { followAuthorizations } from '../authorizations/follow-authorizations';
import { defineJob } from '../engine/job-definition';
import { hostJobParams, inventoryHostId } from '../inventory/host-target';
import { flagBlacklistedKeys } from '../inventory/flag-blacklisted';
import { ingestKeyActivity } from '../inventory/ingest-key-activity';
import {
  ingestAccounts,
  ingestAuthorizedKeys,
  ingestConfigs,
  ingestPrivateKeys,
} from '../inventory/ingest-scans';
import { ScanConfigsFields } from './scan-configs';
import { KeyActivityFields } from './scan-host-key-activity';

/** Accounts, authorized keys, private keys, configs and key activity in one visit. */
export const scanFull = defineJob({
  type: 'scan-full',
  describe: 'Full scan: accounts, authorized and private keys, configs, key activity',
  params: hostJobParams({
    ...ScanConfigsFields,
    ...KeyActivityFields,
    extraPrivateKeyPaths: Type.Optional(Type.Array(Type.String({ pattern: '^/' }))),
  }),
  runsOn: 'host',
  timeoutMs: 20 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    checkHostCommands(ctx.config, 'scan-full', params);
    const hostId = inventoryHostId(ctx, params);
    const cursor = (await ctx.store.inventory.keyUsage.getCursor(
      hostId,
    )) as KeyActivityCursor | null;
    const { hostId: _h, connection: _c, ...args } = params;
    // Before the host is read: the inventory keeps what edits record after this.
    const observedAt = ctx.now();
    const scan = (await ctx.runOnHost('scan-full', {
      ...args,
      ...(cursor ? { cursor } : {}),
    })) as ScanFullResult;
    const now = ctx.now();
    return {
      hostId,
      accounts: await ingestAccounts(ctx.store, hostId, scan.accounts, observedAt),
      authorizedKeys: await ingestAuthorizedKeys(
        ctx.store,
        hostId,
        scan.authorizedKeys,
        observedAt,
      ),
      authorizations: await followAuthorizations(
        ctx,
        hostId,
        scan.authorizedKeys,
        observedAt,
        params,
      ),
      privateKeys: await ingestPrivateKeys(ctx.store, hostId, scan.privateKeys, observedAt),
      hostKeys: await ingestConfigs(ctx.store, hostId, scan.configs, observedAt),
      keyActivity: await ingestKeyActivity(ctx.store, hostId, scan.keyActivity, now),
      blacklisted: await flagBlacklistedKeys(ctx.store, hostId, scan.authorizedKeys.keys, now),
      invalidLines: scan.authorizedKeys.invalidLines,
      configErrors: scan.configs.sshdConfig.errors,
      // What the host scan did not read (too large, cycles, caps); absent from older agents.
      findings: [
        ...(scan.authorizedKeys.findings ?? []),
        ...(scan.privateKeys.findings ?? []),
        ...(scan.configs.findings ?? []),
        ...(scan.keyActivity.findings ?? []),
      ],
    };
  },
});
