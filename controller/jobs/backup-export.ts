import { invalidConfig } from '../../shared/errors';
import { pruneBackups, writeSqliteBackup } from '../backup/write-sqlite-backup';
import { loadMasterKey } from '../secrets/master-key';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's Backup Export: a consistent online backup of the embedded store into
 * backupDir (off while it is unset), gzip-compressed, with a manifest of checksums, then
 * the oldest backups past backupKeep are deleted. Sealed credentials stay sealed; the
 * master key is never written into a backup (docs/operations.md says why and how).
 */
export const backupExport = defineInternalRobot({
  type: 'backup-export',
  describe: 'Writes a verified, compressed online backup of the embedded store to backupDir',
  intervalMs: 24 * 3_600_000,
  timeoutMs: 60 * 60_000,
  async run(ctx) {
    const { backupDir, storeUrl } = ctx.config;
    if (!backupDir) return { skipped: 'backupDir (KEYWARDEN_BACKUP_DIR) is not set' };
    if (!storeUrl.startsWith('sqlite:'))
      throw invalidConfig(
        'backup-export backs up the embedded SQLite store only; back up MongoDB with mongodump (docs/operations.md)',
        { details: { setting: 'KEYWARDEN_STORE' } },
      );
    const written = await writeSqliteBackup({
      storeFile: storeUrl.slice('sqlite:'.length),
      backupDir,
      masterKeyId: loadMasterKey(ctx.config).id,
      now: ctx.now(),
    });
    const pruned = await pruneBackups(backupDir, ctx.config.backupKeep);
    const file = written.manifest.files[0];
    ctx.log.info({ backup: written.dir, pruned: pruned.length }, 'store backup written');
    return { backup: written.dir, size: file?.size, sha256: file?.sha256, pruned: pruned.length };
  },
});
