/**
 * Free space of the directories the controller writes to: the data directory (the
 * embedded store, keys, spools) and the backup and archive directories when set. Read with
 * statfs, as an unprivileged writer sees it (bavail, not bfree: root's reserve is not
 * space the controller can count on).
 */
import { statfs } from 'node:fs/promises';
import type { Config } from '../config/load-config';

export interface DiskSpace {
  /** "data", "backup" or "archive": the label in alerts and metrics. */
  dir: 'data' | 'backup' | 'archive';
  path: string;
  freeBytes: number;
  sizeBytes: number;
}

export function watchedDirs(config: Pick<Config, 'dataDir' | 'backupDir' | 'archiveDir'>) {
  return [
    { dir: 'data' as const, path: config.dataDir },
    ...(config.backupDir ? [{ dir: 'backup' as const, path: config.backupDir }] : []),
    ...(config.archiveDir ? [{ dir: 'archive' as const, path: config.archiveDir }] : []),
  ];
}

/** One entry per watched directory that exists (a backup directory may not yet). */
export async function diskSpace(
  config: Pick<Config, 'dataDir' | 'backupDir' | 'archiveDir'>,
): Promise<DiskSpace[]> {
  const out: DiskSpace[] = [];
  for (const w of watchedDirs(config)) {
    try {
      const s = await statfs(w.path);
      out.push({ ...w, freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out;
}
