import { Type } from '@sinclair/typebox';
import { conflict, invalidInput } from '../../shared/errors';
import { REVOKED_KEYS_PATH } from '../../shared/hostops/write-revoked-keys';
import { buildKrl } from '../revocation/build-krl';
import { recordRevocationConfirmed } from '../revocation/revocation-confirmations';
import { confDeployHost } from './conf-deploy-host';
import { defineHostJob } from './define-host-job';

/**
 * Makes one host's sshd refuse every blacklisted key, wherever the key is written (a file
 * no scan reads, an AuthorizedKeysCommand): writes the OpenSSH revocation list of the whole
 * blacklist, built when the job runs (a host reached late gets the newest list), at its
 * root-owned path, and, when the host's sshd config does not name it yet, adds
 * `RevokedKeys <path>` through conf-deploy-host (sshd -t, reload, login check, rollback).
 * The file is always written first: sshd refuses every key when RevokedKeys names a file
 * it cannot read. Each host that ends with the list in use is recorded as confirmed.
 */
export const deployRevokedKeys = defineHostJob({
  type: 'deploy-revoked-keys',
  describe: "Write the blacklist's OpenSSH key revocation list on a host and make sshd use it",
  fields: {
    /** Default /etc/ssh/keywarden_revoked_keys; another path must be an allowed sshd config path. */
    revokedKeysPath: Type.Optional(Type.String({ pattern: '^/[^\\s"\'\\\\]+$' })),
    sshdConfigPath: Type.Optional(Type.String({ pattern: '^/' })),
    /** Needed only when the RevokedKeys line must be added (sshd reads config at reload). */
    reloadCommand: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    sshdBinary: Type.Optional(Type.String({ pattern: '^/' })),
  },
  rootFields: { configFile: 'revokedKeysPath' },
  timeoutMs: 3 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run({ hostId, params, args }, ctx) {
    const path = args.revokedKeysPath ?? REVOKED_KEYS_PATH;
    const list = await buildKrl(
      (await ctx.store.inventory.blacklist.list()).map((b) => b.fingerprint),
    );
    const config = args.sshdConfigPath ? { sshdConfigPath: args.sshdConfigPath } : {};
    const r = await ctx.runOnHost('write-revoked-keys', {
      krlBase64: list.krl.toString('base64'),
      sha256: list.sha256,
      path,
      ...config,
    });
    if (r.revokedKeys !== null && r.revokedKeys !== path) {
      throw conflict(
        `sshd on ${hostId} already uses another revocation list (RevokedKeys ${r.revokedKeys}): Keywarden's list was written at ${path} but is not in use; merge the lists or remove that line`,
        { details: { hostId, field: 'RevokedKeys', value: r.revokedKeys, path } },
      );
    }
    let configDeployed = false;
    if (r.revokedKeys === null) {
      if (!r.mainConfig)
        throw invalidInput(
          `no sshd config at ${args.sshdConfigPath ?? '/etc/ssh/sshd_config'} on ${hostId}`,
          {
            details: { hostId, field: 'sshdConfigPath', value: args.sshdConfigPath ?? null },
          },
        );
      if (!args.reloadCommand)
        throw invalidInput(
          `sshd on ${hostId} has no RevokedKeys line: give reloadCommand so the line can be added and sshd reloaded (the list is written at ${path})`,
          { details: { hostId, field: 'reloadCommand', value: null } },
        );
      // First in the file: sshd takes the first RevokedKeys it reads, before any Include or Match.
      const content = `# Added by Keywarden (blacklist-keys): sshd refuses the keys of this list.\nRevokedKeys ${path}\n${r.mainConfig.text}`;
      const deployed = (await confDeployHost.run(
        {
          ...(params.hostId ? { hostId: params.hostId } : {}),
          ...(params.connection ? { connection: params.connection } : {}),
          content,
          path: r.mainConfig.path,
          expectedSha256: r.mainConfig.sha256,
          reloadCommand: args.reloadCommand,
          ...(args.sshdBinary ? { sshdBinary: args.sshdBinary } : {}),
        },
        ctx,
      )) as { confirmed: boolean };
      if (!deployed.confirmed)
        throw conflict(
          `RevokedKeys ${path} was added to ${r.mainConfig.path} on ${hostId} but sshd's reload was not confirmed`,
          { details: { hostId, path } },
        );
      configDeployed = true;
    }
    if (r.accountsElsewhere.length) {
      throw conflict(
        `a Match block on ${hostId} gives ${r.accountsElsewhere.join(', ')} another RevokedKeys: the list does not reach them`,
        { details: { hostId, accounts: r.accountsElsewhere, path } },
      );
    }
    await recordRevocationConfirmed(ctx.store, {
      hostId,
      at: ctx.now(),
      sha256: list.sha256,
      path,
      fingerprints: list.fingerprints,
      actor: `job:${ctx.job.id}`,
    });
    return {
      hostId,
      path,
      sha256: list.sha256,
      written: r.written,
      configDeployed,
      revokedKeys: list.fingerprints.length,
    };
  },
});
