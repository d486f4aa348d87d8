import { Type } from '@sinclair/typebox';
import { configDeployFailure, deployFailed } from '../host-states/config-deploy-failure';
import { ingestAuthorizedKeys } from '../inventory/ingest-scans';
import { defineHostJob } from './define-host-job';

export const RelocateFields = {
  /** Root-owned destination pattern (default /etc/ssh/authorized_keys/%u). */
  target: Type.Optional(Type.String({ pattern: '^/' })),
  /** Only these accounts; others with keys would be locked out, so that needs the flag below. */
  accounts: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  othersMayLoseAccess: Type.Optional(Type.Boolean()),
  sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
  reloadCommand: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  sshdBinary: Type.Optional(Type.String({ pattern: '^/' })),
};

/**
 * Moves one host's user keys to root-owned files and switches AuthorizedKeysFile through
 * the checked deployment; then the inventory is read again from the files sshd now uses.
 */
export const relocateUserKeysHost = defineHostJob({
  type: 'relocate-user-keys-host',
  describe: "Relocate one host's user keys to root-owned files",
  fields: RelocateFields,
  rootFields: { relocationTarget: 'target' },
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 2, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ hostId, params, args, observedAt }, ctx) {
    const { relocation: r, authorizedKeys } = await ctx.runOnHost(
      'relocate-user-keys-then-scan',
      args,
    );
    await ingestAuthorizedKeys(ctx.store, hostId, authorizedKeys, observedAt, params.accounts);
    if (deployFailed(r.config))
      throw configDeployFailure(
        hostId,
        r.config,
        `AuthorizedKeysFile ${params.target ?? '/etc/ssh/authorized_keys/%u'}`,
      );
    return { hostId, ...r };
  },
});
