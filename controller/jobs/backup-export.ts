import { BACKUP_PREFIX } from '../backup/backup-manifest';
import { sftpTargetOf, uploadBackup } from '../backup/sftp-target';
import { writeMongoBackup } from '../backup/write-mongo-backup';
import { pruneBackups, writeSqliteBackup } from '../backup/write-sqlite-backup';
import { loadMasterKey } from '../secrets/master-key';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's Backup Export: a consistent online backup of the store into backupDir (off
 * while it is unset), gzip-compressed, with a manifest of checksums: SQLite through its
 * online backup API, MongoDB through the driver. Then the oldest backups past backupKeep
 * are deleted, and the backup is uploaded to the SFTP target when one is set. Sealed
 * credentials stay sealed; the master key is never written into a store backup
 * (secrets-backup encrypts it to the admins; docs/operations.md).
 */
export const backupExport = defineInternalRobot({
  type: 'backup-export',
  describe: 'Writes a verified, compressed online backup of the store to backupDir (and SFTP)',
  intervalMs: 24 * 3_600_000,
  timeoutMs: 60 * 60_000,
  async run(ctx) {
    const { backupDir, storeUrl } = ctx.config;
    if (!backupDir) return { skipped: 'backupDir (KEYWARDEN_BACKUP_DIR) is not set' };
    // A target set wrong fails before the backup is taken, not after.
    const sftp = sftpTargetOf(ctx.config);
    const opts = {
      backupDir,
      masterKeyId: loadMasterKey(ctx.config).id,
      now: ctx.now(),
    };
    const written = storeUrl.startsWith('sqlite:')
      ? await writeSqliteBackup({ ...opts, storeFile: storeUrl.slice('sqlite:'.length) })
      : await writeMongoBackup({ ...opts, storeUrl });
    const pruned = await pruneBackups(backupDir, ctx.config.backupKeep);
    const uploaded = sftp
      ? await uploadBackup(sftp, written.dir, BACKUP_PREFIX, ctx.config.backupKeep)
      : null;
    const size = written.manifest.files.reduce((n, f) => n + f.size, 0);
    ctx.log.info(
      { backup: written.dir, pruned: pruned.length, uploaded: uploaded?.remote },
      'store backup written',
    );
    return {
      backup: written.dir,
      storeKind: written.manifest.storeKind,
      size,
      files: written.manifest.files.length,
      ...(written.manifest.storeKind === 'sqlite'
        ? { sha256: written.manifest.files[0]?.sha256 }
        : { consistency: written.manifest.consistency }),
      pruned: pruned.length,
      ...(uploaded ? { uploaded: uploaded.remote, remotePruned: uploaded.pruned.length } : {}),
    };
  },
});
