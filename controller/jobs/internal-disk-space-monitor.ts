import { diskSpace } from '../health/disk-space';
import { defineInternalRobot } from './define-internal-robot';
import { reconcileMonitorAlerts, type MonitorFinding } from './monitor-alerts';

const ALERT_TYPE = 'disk-space';
const MiB = 1024 * 1024;

/**
 * The seed's Disk space monitor: a "disk-space" alert for the data directory (and the
 * backup directory) while its free space is below diskFreeMinBytes; resolved once there
 * is room again. A full data directory stops the embedded store from writing at all.
 */
export const internalDiskSpaceMonitor = defineInternalRobot({
  type: 'internal-disk-space-monitor',
  describe: 'Raises alerts when the data or backup directory runs short of free space',
  intervalMs: 60_000,
  timeoutMs: 60_000,
  async run(ctx) {
    const now = ctx.now();
    const min = ctx.config.diskFreeMinBytes;
    const spaces = await diskSpace(ctx.config);
    const findings: MonitorFinding[] = spaces
      .filter((s) => s.freeBytes < min)
      .map((s) => ({
        key: s.dir,
        subject: `${s.dir}-dir`,
        severity: 'warning',
        message: `${s.dir} directory ${s.path} has ${(s.freeBytes / MiB).toFixed(1)} MiB free, less than ${(min / MiB).toFixed(1)} MiB`,
        context: {
          extra: { path: s.path, freeBytes: s.freeBytes, sizeBytes: s.sizeBytes, minBytes: min },
        },
      }));
    const { raised, resolved } = await reconcileMonitorAlerts(ctx, ALERT_TYPE, findings, now);
    return {
      free: Object.fromEntries(spaces.map((s) => [s.dir, s.freeBytes])),
      low: findings.map((f) => f.key),
      raised,
      resolved,
    };
  },
});
