import { conciliateArchives } from '../archive/conciliate-archives';
import { newId } from '../store/ids';
import { defineInternalRobot } from './define-internal-robot';
import { reconcileMonitorAlerts, type MonitorFinding } from './monitor-alerts';

const ALERT_TYPE = 'archive-conciliation';

/** A purged record missing from its archive, or an archive that cannot be read, is data lost. */
const CRITICAL = new Set(['missing-file', 'checksum-mismatch', 'unreadable', 'missing-records']);

/**
 * The seed's Warehouse conciliation: checks that every record the purge robots deleted is
 * in an archive file and that every archive file is readable and matches its manifest
 * (controller/archive/conciliate-archives.ts). Keeps a report (GET
 * /api/v1/archive/conciliation-reports) and an "archive-conciliation" alert per file that
 * differs, resolved once it no longer does. Does nothing while archiving is off.
 */
export const internalWarehouseConciliation = defineInternalRobot({
  type: 'internal-warehouse-conciliation',
  describe:
    'Checks that every purged record is in a readable archive file, and reports differences',
  intervalMs: 24 * 3_600_000,
  timeoutMs: 60 * 60_000,
  async run(ctx) {
    const dir = ctx.config.archiveDir;
    if (!dir) return { skipped: 'archiving is off (KEYWARDEN_ARCHIVE_DIR is not set)' };
    const now = ctx.now();
    const c = await conciliateArchives(ctx.store, dir, async () => {
      await ctx.heartbeat();
      await new Promise((r) => setImmediate(r));
    });
    const report = { id: newId(now), at: now, ...c };
    await ctx.store.archive.ledger.addReport(report);
    const findings: MonitorFinding[] = c.differences.map((d) => ({
      key: `${d.problem}:${d.file}`,
      subject: `archive:${d.file}`,
      severity: CRITICAL.has(d.problem) ? 'critical' : 'warning',
      message: d.message,
      context: {
        extra: {
          problem: d.problem,
          file: d.file,
          archiveDir: dir,
          batchId: d.batchId,
          reportId: report.id,
          ...(d.ids ? { missingIds: d.ids.slice(0, 20).join(',') } : {}),
        },
      },
    }));
    const { raised, resolved } = await reconcileMonitorAlerts(ctx, ALERT_TYPE, findings, now);
    return {
      reportId: report.id,
      batches: c.batches,
      files: c.files,
      purgedRecords: c.purgedRecords,
      differences: c.differences.length,
      raised,
      resolved,
    };
  },
});
