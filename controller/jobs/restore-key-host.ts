import { Type } from '@sinclair/typebox';
import { commandFailed } from '../../shared/errors';
import { parseAuthorizedKeyLine } from '../../shared/ssh/authorized-keys';
import { sameOptions } from '../../shared/ssh/authorized-keys-edit';
import { rescanAccounts } from '../inventory/rescan-accounts';
import { linesOf, recordsToAct } from '../retirement/quarantine-records';
import { defineHostJob } from './define-host-job';

/**
 * One host's part of restore-key: each quarantined line is replaced by the original line
 * kept in the store, byte for byte; only a line carrying exactly that record's quarantine
 * options is touched (or the original itself, already back: a retry changes nothing).
 */
export const restoreKeyHost = defineHostJob({
  type: 'restore-key-host',
  describe: 'Put the original authorized_keys lines of a quarantined key back on one host',
  fields: {
    records: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  },
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  idempotent: true,
  async run({ hostId, params }, ctx) {
    const records = await recordsToAct(ctx, hostId, params.records, [
      'quarantining',
      'quarantined',
    ]);
    const configPath = params.sshdConfigPath;
    const config = configPath ? { sshdConfigPath: configPath } : {};
    for (const r of records) {
      const original = parseAuthorizedKeyLine(r.originalLine, 1);
      await ctx.runOnHost('set-authorized-key-options', {
        account: r.account,
        fingerprint: r.fingerprint,
        ...config,
        options: original.kind === 'key' ? original.options : [],
        lineText: r.originalLine,
        authorizedKeysFiles: [r.file],
        ownedLines: [r.originalLine],
        ownedOptions: [r.quarantineOptions],
      });
    }
    const accounts = [...new Set(records.map((r) => r.account))];
    const scan = accounts.length
      ? await rescanAccounts(ctx, hostId, accounts, configPath)
      : { keys: [] };
    const restored: string[] = [];
    const failed: string[] = [];
    for (const r of records) {
      const lines = linesOf(scan.keys, r);
      const original = parseAuthorizedKeyLine(r.originalLine, 1);
      const back =
        original.kind === 'key' &&
        lines.length > 0 &&
        lines.every((k) => sameOptions(k.options, original.options));
      if (!back) {
        failed.push(`${r.account}:${r.file}`);
        continue;
      }
      const by = ctx.job.createdBy;
      const moved = await ctx.store.keyQuarantines.setState(
        r.id,
        ['quarantining', 'quarantined'],
        'restored',
        ctx.now(),
        by,
      );
      if (moved)
        await ctx.store.audit.append({
          at: ctx.now(),
          actor: by,
          action: 'key.restored',
          subject: r.fingerprint,
          details: { hostId, account: r.account, file: r.file, jobId: ctx.job.id },
        });
      restored.push(`${r.account}:${r.file}`);
    }
    if (failed.length)
      throw commandFailed(
        `the original line could not be put back on ${hostId} in ${failed.join(', ')}: the quarantined line is no longer there as Keywarden wrote it`,
        { details: { hostId, restored, failed } },
      );
    return { hostId, restored };
  },
});
