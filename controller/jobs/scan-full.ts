import { Type } from '@sinclair/typebox';
import type { KeyActivityCursor } from '../../shared/hostops/scan-key-activity';
import { HOUR } from '../engine/job-definition';
import { followAuthorizations } from '../authorizations/follow-authorizations';
import { flagBlacklistedKeys } from '../inventory/flag-blacklisted';
import { ingestKeyActivity } from '../inventory/ingest-key-activity';
import {
  ingestAccounts,
  ingestAuthorizedKeys,
  ingestConfigs,
  ingestPrivateKeys,
} from '../inventory/ingest-scans';
import { evaluateAfterScan, settingsChanged } from '../policy/evaluate-after-scan';
import { defineHostJob } from './define-host-job';
import { ScanConfigsFields } from './scan-configs';
import { KeyActivityFields } from './scan-host-key-activity';

/** Accounts, authorized keys, private keys, configs and key activity in one visit. */
export const scanFull = defineHostJob({
  type: 'scan-full',
  describe: 'Full scan: accounts, authorized and private keys, configs, key activity',
  fields: {
    ...ScanConfigsFields,
    ...KeyActivityFields,
    extraPrivateKeyPaths: Type.Optional(Type.Array(Type.String({ pattern: '^/' }))),
  },
  timeoutMs: 20 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  adminTriggerable: true,
  idempotent: true,
  // It reads what the narrower scans read: while it is due for a host, they are not queued.
  hostScan: {
    defaultIntervalMs: 7 * 24 * HOUR,
    covers: ['scan-authorized-keys', 'scan-configs', 'scan-host-key-activity'],
  },
  async run({ hostId, params, args, observedAt }, ctx) {
    const cursor = (await ctx.store.inventory.keyUsage.getCursor(
      hostId,
    )) as KeyActivityCursor | null;
    const scan = await ctx.runOnHost('scan-full', {
      ...args,
      ...(cursor ? { cursor } : {}),
    });
    const now = ctx.now();
    const configBefore = await ctx.store.inventory.hostConfigs.get(hostId);
    const ingested = {
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
    const policy = await evaluateAfterScan(ctx, hostId, [
      ingested.accounts,
      ingested.authorizedKeys,
      ingested.privateKeys,
      ingested.hostKeys,
      { changed: settingsChanged(configBefore, scan.configs.sshdConfig) },
      { changed: ingested.keyActivity.logins > 0 || ingested.blacklisted.length > 0 },
    ]);
    return { ...ingested, policy };
  },
});
