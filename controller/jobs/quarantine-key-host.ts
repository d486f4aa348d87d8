import { Type } from '@sinclair/typebox';
import { commandFailed, conflict } from '../../shared/errors';
import { sameOptions } from '../../shared/ssh/authorized-keys-edit';
import { rescanAccounts } from '../inventory/rescan-accounts';
import { quarantineId, type KeyQuarantineRecord } from '../store/retirement-records';
import { defineHostJob } from './define-host-job';
import { OptionsSchema } from './add-authorized-key';

/**
 * One host's part of quarantine-key. For each account: the lines are read (a dry run of
 * the option rewrite, which reports them byte for byte) and kept in the store FIRST, then
 * rewritten to the quarantine options, owning only the exact lines kept (or lines already
 * quarantined, on a retry), then read back: a record becomes `quarantined` only when the
 * file says so. A line changed since the scan is left alone and reported.
 */
export const quarantineKeyHost = defineHostJob({
  type: 'quarantine-key-host',
  describe: "Quarantine a key's authorized_keys lines on one host, keeping the original lines",
  fields: {
    fingerprint: Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' }),
    /** Per account, the options the scan found on the key's lines (which lines to take). */
    accounts: Type.Array(
      Type.Object(
        { account: Type.String({ minLength: 1 }), options: Type.Array(OptionsSchema) },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    quarantineOptions: OptionsSchema,
    watchUntil: Type.Integer({ minimum: 0 }),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  },
  timeoutMs: 5 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  idempotent: true,
  async run({ hostId, params }, ctx) {
    const { fingerprint, quarantineOptions } = params;
    const config = params.sshdConfigPath ? { sshdConfigPath: params.sshdConfigPath } : {};
    const by = ctx.job.createdBy;
    const records: KeyQuarantineRecord[] = [];
    for (const { account, options } of params.accounts) {
      const base = { account, fingerprint, ...config };
      const dry = await ctx.runOnHost('set-authorized-key-options', {
        ...base,
        options: quarantineOptions,
        ownedOptions: options,
        dryRun: true,
      });
      for (const f of dry.files) {
        if (f.lines.length > 1)
          throw conflict(
            `${f.file} of ${account} on ${hostId} holds key ${fingerprint} on ${f.lines.length} lines: remove the duplicates first`,
            { details: { hostId, account, file: f.file, lines: f.lines } },
          );
        const originalLine = f.before?.[0];
        if (originalLine === undefined) continue;
        const now = ctx.now();
        // Kept before the host is touched; an active record (a retry) is returned as it was.
        records.push(
          await ctx.store.keyQuarantines.begin({
            id: quarantineId({ hostId, account, file: f.file, fingerprint }),
            fingerprint,
            hostId,
            account,
            file: f.file,
            originalLine,
            quarantineOptions,
            state: 'quarantining',
            quarantinedAt: now,
            watchUntil: params.watchUntil,
            updatedAt: now,
            by,
            sshdConfigPath: params.sshdConfigPath ?? null,
          }),
        );
      }
    }
    // A retry finds its lines already rewritten (no longer in the dry run): its records are.
    const active = await ctx.store.keyQuarantines.list({
      fingerprint,
      hostId,
      state: ['quarantining', 'quarantined'],
    });
    const inScope = new Set(params.accounts.map((a) => a.account));
    for (const r of active)
      if (inScope.has(r.account) && !records.some((x) => x.id === r.id)) records.push(r);
    for (const r of records) {
      await ctx.runOnHost('set-authorized-key-options', {
        account: r.account,
        fingerprint,
        ...config,
        options: r.quarantineOptions,
        authorizedKeysFiles: [r.file],
        ownedLines: [r.originalLine],
        ownedOptions: [r.quarantineOptions],
      });
    }
    const scan = await rescanAccounts(ctx, hostId, [...inScope], params.sshdConfigPath);
    const done: string[] = [];
    const failed: string[] = [];
    for (const r of records) {
      const lines = scan.keys.filter(
        (k) => k.account === r.account && k.file === r.file && k.fingerprint === fingerprint,
      );
      const ok =
        lines.length > 0 && lines.every((k) => sameOptions(k.options, r.quarantineOptions));
      if (!ok) {
        failed.push(`${r.account}:${r.file}`);
        continue;
      }
      const moved = await ctx.store.keyQuarantines.setState(
        r.id,
        ['quarantining'],
        'quarantined',
        ctx.now(),
        by,
      );
      if (moved)
        await ctx.store.audit.append({
          at: ctx.now(),
          actor: by,
          action: 'key.quarantined',
          subject: fingerprint,
          details: {
            hostId,
            account: r.account,
            file: r.file,
            watchUntil: r.watchUntil,
            jobId: ctx.job.id,
          },
        });
      done.push(`${r.account}:${r.file}`);
    }
    // Lines of the key in scope that are not quarantined now (changed since the scan).
    const left = scan.keys.filter(
      (k) =>
        k.fingerprint === fingerprint &&
        !records.some((r) => r.account === k.account && r.file === k.file),
    );
    if (failed.length || left.length)
      throw commandFailed(
        `key ${fingerprint} could not be quarantined on ${hostId} in ${[...failed, ...left.map((k) => `${k.account}:${k.file}`)].join(', ')}: the line changed since it was read; rescan and try again`,
        { details: { hostId, quarantined: done, failed, changed: left.map((k) => k.file) } },
      );
    return { hostId, quarantined: done };
  },
});
