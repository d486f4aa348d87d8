import { errorCode } from '../../shared/errors';
import { verifyBackup } from '../backup/backup-manifest';
import { listBackups } from '../backup/write-sqlite-backup';
import { defineInternalRobot } from './define-internal-robot';
import { reconcileMonitorAlerts, type MonitorFinding } from './monitor-alerts';

const ALERT_TYPE = 'backup';

/**
 * The seed's Backup monitor: the newest backup in backupDir must exist, verify against
 * its manifest (sizes and SHA-256) and be younger than backupMaxAge. Each failure is a
 * "backup" alert; it resolves once a good, fresh backup is there.
 */
export const internalBackupMonitor = defineInternalRobot({
  type: 'internal-backup-monitor',
  describe: 'Raises alerts when the newest store backup is missing, stale or fails its checksums',
  intervalMs: 15 * 60_000,
  timeoutMs: 30 * 60_000,
  async run(ctx) {
    const now = ctx.now();
    const { backupDir, backupMaxAgeMs } = ctx.config;
    const findings: MonitorFinding[] = [];
    if (backupDir) {
      const extra = { backupDir };
      const [newest] = await listBackups(backupDir);
      if (!newest) {
        findings.push({
          key: 'missing',
          subject: 'backup',
          severity: 'critical',
          message: `no store backup in ${backupDir}`,
          context: { extra },
        });
      } else {
        try {
          const { manifest } = await verifyBackup(newest);
          const ageMs = now - Date.parse(manifest.createdAt);
          if (!(ageMs <= backupMaxAgeMs))
            findings.push({
              key: 'stale',
              subject: 'backup',
              severity: 'warning',
              message: `the newest store backup (${manifest.createdAt}) is ${Math.round(ageMs / 3_600_000)} h old, more than ${Math.round(backupMaxAgeMs / 3_600_000)} h`,
              context: {
                extra: { ...extra, backup: newest, ageSeconds: Math.round(ageMs / 1000) },
              },
            });
        } catch (err) {
          if (errorCode(err) !== 'BACKUP_INVALID') throw err;
          findings.push({
            key: 'broken',
            subject: 'backup',
            severity: 'critical',
            message: `the newest store backup does not verify: ${(err as Error).message}`,
            context: { extra: { ...extra, backup: newest } },
          });
        }
      }
    }
    const { raised, resolved } = await reconcileMonitorAlerts(ctx, ALERT_TYPE, findings, now);
    return { problems: findings.map((f) => f.key), raised, resolved };
  },
});
