import { errorCode } from '../../shared/errors';
import { verifyBackup } from '../backup/backup-manifest';
import { listSecretsBackups, verifySecretsBackup } from '../backup/write-secrets-backup';
import { listBackups } from '../backup/write-sqlite-backup';
import { defineInternalRobot } from './define-internal-robot';
import { reconcileMonitorAlerts, type MonitorFinding } from './monitor-alerts';

const ALERT_TYPE = 'backup';

/**
 * The seed's Backup monitor: the newest backup in backupDir must exist, verify against
 * its manifest (sizes and SHA-256) and be younger than backupMaxAge; with secrets backups
 * on (secretsBackupRecipients), the same for the newest secrets backup against its
 * checksum file. Each failure is a "backup" alert; it resolves once a good, fresh backup
 * is there.
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
    if (backupDir && ctx.config.secretsBackupRecipients)
      findings.push(...(await secretsFindings(backupDir, backupMaxAgeMs, now)));
    const { raised, resolved } = await reconcileMonitorAlerts(ctx, ALERT_TYPE, findings, now);
    return { problems: findings.map((f) => f.key), raised, resolved };
  },
});

async function secretsFindings(
  backupDir: string,
  maxAgeMs: number,
  now: number,
): Promise<MonitorFinding[]> {
  const extra = { backupDir };
  const [newest] = await listSecretsBackups(backupDir);
  if (!newest)
    return [
      {
        key: 'secrets-missing',
        subject: 'secrets-backup',
        severity: 'critical',
        message: `no secrets backup in ${backupDir}: the master key and CA exist only on this controller`,
        context: { extra },
      },
    ];
  try {
    const { createdAt } = await verifySecretsBackup(newest);
    const ageMs = now - createdAt;
    if (ageMs <= maxAgeMs) return [];
    return [
      {
        key: 'secrets-stale',
        subject: 'secrets-backup',
        severity: 'warning',
        message: `the newest secrets backup is ${Math.round(ageMs / 3_600_000)} h old, more than ${Math.round(maxAgeMs / 3_600_000)} h`,
        context: { extra: { ...extra, backup: newest, ageSeconds: Math.round(ageMs / 1000) } },
      },
    ];
  } catch (err) {
    if (errorCode(err) !== 'BACKUP_INVALID') throw err;
    return [
      {
        key: 'secrets-broken',
        subject: 'secrets-backup',
        severity: 'critical',
        message: `the newest secrets backup does not verify: ${(err as Error).message}`,
        context: { extra: { ...extra, backup: newest } },
      },
    ];
  }
}
