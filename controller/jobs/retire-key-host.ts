import { Type } from '@sinclair/typebox';
import { commandFailed } from '../../shared/errors';
import { rescanAccounts } from '../inventory/rescan-accounts';
import { linesOf, recordsToAct } from '../retirement/quarantine-records';
import { sameOptions } from '../../shared/ssh/authorized-keys-edit';
import { defineHostJob } from './define-host-job';

/**
 * One host's part of retire-key: each quarantined line is removed, and only a line carrying
 * exactly that record's quarantine options (the remove-authorized-key operation owning
 * lines by options). The original line stays in the store as a record of what was there.
 */
export const retireKeyHost = defineHostJob({
  type: 'retire-key-host',
  describe: 'Delete the quarantined authorized_keys lines of a key on one host',
  fields: {
    records: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  },
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  idempotent: true,
  async run({ hostId, params }, ctx) {
    const records = await recordsToAct(ctx, hostId, params.records, ['quarantined']);
    const configPath = params.sshdConfigPath;
    const config = configPath ? { sshdConfigPath: configPath } : {};
    for (const r of records) {
      await ctx.runOnHost('remove-authorized-key', {
        account: r.account,
        fingerprint: r.fingerprint,
        ...config,
        authorizedKeysFiles: [r.file],
        ownedOptions: [r.quarantineOptions],
      });
    }
    const accounts = [...new Set(records.map((r) => r.account))];
    const scan = accounts.length
      ? await rescanAccounts(ctx, hostId, accounts, configPath)
      : { keys: [] };
    const deleted: string[] = [];
    const failed: string[] = [];
    for (const r of records) {
      // The quarantined line still there: the removal did not take (a line of the key
      // someone added since, with other options, is not ours and stays).
      if (linesOf(scan.keys, r).some((k) => sameOptions(k.options, r.quarantineOptions))) {
        failed.push(`${r.account}:${r.file}`);
        continue;
      }
      const by = ctx.job.createdBy;
      const now = ctx.now();
      const moved = await ctx.store.keyQuarantines.setState(
        r.id,
        ['quarantined'],
        'deleted',
        now,
        by,
      );
      if (!moved) continue;
      await ctx.store.audit.append({
        at: now,
        actor: by,
        action: 'key.retired',
        subject: r.fingerprint,
        details: { hostId, account: r.account, file: r.file, jobId: ctx.job.id },
      });
      deleted.push(`${r.account}:${r.file}`);
    }
    if (failed.length)
      throw commandFailed(
        `the quarantined line could not be removed on ${hostId} in ${failed.join(', ')}`,
        {
          details: { hostId, deleted, failed },
        },
      );
    return { hostId, deleted };
  },
});
