/**
 * Usage trends: each headline figure of a statistics run beside the previous run's, so a
 * dashboard shows what grew and what shrank. A figure the previous run did not have (a
 * record from before keys were counted) has a null change, never a made-up one.
 */
import type { ReportingRecord } from '../store/host-records';

/** The figures compared, as paths into the statistics record. */
export const TREND_FIGURES = [
  'hosts.total',
  'keys.total',
  'authorizedKeys.lines',
  'authorizedKeys.foreign',
  'authorizedKeys.used',
  'authorizedKeys.unused',
  'accounts.withKeyAccess',
  'accounts.rootWithKeyAccess',
  'privateKeys.files',
  'usage.logins',
  'alerts.open',
] as const;

const at = (data: unknown, path: string): number | null => {
  let v: unknown = data;
  for (const part of path.split('.')) v = (v as Record<string, unknown> | null)?.[part];
  return typeof v === 'number' ? v : null;
};

export interface Trends {
  previousId: string | null;
  previousAt: number | null;
  /** Logins (key-usage rows) active since the previous run. */
  activeSincePrevious: number | null;
  figures: Record<string, { now: number | null; before: number | null; change: number | null }>;
}

export function statisticsTrends(
  current: Record<string, unknown> & { usage: { rowsActiveSince: number | null } },
  previous: ReportingRecord | null,
): Trends {
  const figures: Trends['figures'] = {};
  for (const path of TREND_FIGURES) {
    const now = at(current, path);
    const before = previous ? at(previous.data, path) : null;
    figures[path] = { now, before, change: now !== null && before !== null ? now - before : null };
  }
  return {
    previousId: previous?.id ?? null,
    previousAt: previous?.createdAt ?? null,
    activeSincePrevious: current.usage.rowsActiveSince,
    figures,
  };
}
