import { diskSpace } from '../health/disk-space';
import { defineMonitor } from './define-monitor';
import type { MonitorFinding } from './monitor-alerts';

const MiB = 1024 * 1024;

/**
 * The seed's Disk space monitor: a "disk-space" alert for the data directory (and the
 * backup and archive directories) while its free space is below diskFreeMinBytes;
 * resolved once there is room again. A full data directory stops the embedded store from
 * writing at all; a full archive directory stops the purges.
 */
export const internalDiskSpaceMonitor = defineMonitor({
  type: 'internal-disk-space-monitor',
  alertType: 'disk-space',
  describe: 'Raises alerts when the data, backup or archive directory runs short of free space',
  intervalMs: 60_000,
  async check(ctx) {
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
    return {
      findings,
      summary: {
        free: Object.fromEntries(spaces.map((s) => [s.dir, s.freeBytes])),
        low: findings.map((f) => f.key),
      },
    };
  },
});
