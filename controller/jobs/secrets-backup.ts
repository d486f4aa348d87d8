import { SECRETS_PREFIX } from '../backup/secrets-bundle';
import { sftpTargetOf, uploadBackup } from '../backup/sftp-target';
import { pruneSecretsBackups, writeSecretsBackup } from '../backup/write-secrets-backup';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's Credentials backup and Secrets backup: the master key, the agent CA and every
 * host credential, encrypted with age to the admins' public keys
 * (secretsBackupRecipients) into backupDir, and to the SFTP target when one is set. Off
 * until both are set. Only the admins' identities open it (docs/operations.md).
 */
export const secretsBackup = defineInternalRobot({
  type: 'secrets-backup',
  describe:
    'Writes the master key, CA and host credentials encrypted to the admins age public keys',
  intervalMs: 24 * 3_600_000,
  timeoutMs: 30 * 60_000,
  async run(ctx) {
    const { backupDir, secretsBackupRecipients: recipients } = ctx.config;
    if (!backupDir) return { skipped: 'backupDir (KEYWARDEN_BACKUP_DIR) is not set' };
    if (!recipients)
      return { skipped: 'no recipients (KEYWARDEN_SECRETS_BACKUP_RECIPIENTS) are set' };
    const sftp = sftpTargetOf(ctx.config);
    const written = await writeSecretsBackup({
      config: ctx.config,
      store: ctx.store,
      recipients,
      backupDir,
      now: ctx.now(),
    });
    const pruned = await pruneSecretsBackups(backupDir, ctx.config.backupKeep);
    const uploaded = sftp
      ? await uploadBackup(sftp, written.file, SECRETS_PREFIX, ctx.config.backupKeep)
      : null;
    ctx.log.info(
      { backup: written.file, credentials: written.credentials, uploaded: uploaded?.remote },
      'secrets backup written',
    );
    return {
      backup: written.file,
      size: written.size,
      sha256: written.sha256,
      credentials: written.credentials,
      caFiles: written.caFiles,
      recipients: recipients.length,
      pruned: pruned.length,
      ...(uploaded ? { uploaded: uploaded.remote, remotePruned: uploaded.pruned.length } : {}),
    };
  },
});
