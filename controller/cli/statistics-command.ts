/** `keywarden reports statistics`: the latest internal-calculate-statistics record. */
import type { ApiClient } from './api-client';
import { table, time } from './format';
import type { Output } from './job-commands';

type Counts = Record<string, number>;
interface Statistics {
  id: string;
  createdAt: number;
  data: {
    hosts: { total: number; byState: Counts };
    keys?: { total: number; byType: Counts; bySize: Counts; byAge: Counts };
    authorizedKeys?: Counts;
    accounts?: Counts;
    privateKeys?: Counts;
    usage?: Counts;
    alerts: { open: number };
    trends?: {
      previousAt: number | null;
      activeSincePrevious: number | null;
      figures: Record<string, { now: number | null; before: number | null; change: number | null }>;
    };
  };
}

const counts = (title: string, c: Counts | undefined) =>
  c
    ? `${title}: ${
        Object.entries(c)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || '-'
      }`
    : `${title}: -`;
const signed = (n: number | null) => (n === null ? '-' : n > 0 ? `+${n}` : String(n));

export async function statisticsCommand(api: ApiClient): Promise<Output> {
  const s = await api.call<Statistics>('GET', '/api/v1/reports/statistics');
  const d = s.data;
  const trends = d.trends
    ? table(
        Object.entries(d.trends.figures).map(([figure, f]) => ({
          figure,
          now: f.now,
          before: f.before,
          change: signed(f.change),
        })),
        ['figure', 'now', 'before', 'change'],
      )
    : '(none)';
  const human = [
    `statistics of ${time(s.createdAt)} (${s.id})`,
    counts(`hosts (${d.hosts.total})`, d.hosts.byState),
    counts(`keys (${d.keys?.total ?? '-'}) by type`, d.keys?.byType),
    counts('keys by size', d.keys?.bySize),
    counts('keys by age', d.keys?.byAge),
    counts('authorized-key lines', d.authorizedKeys),
    counts('accounts', d.accounts),
    counts('private keys', d.privateKeys),
    counts('logins', d.usage),
    `open alerts: ${d.alerts.open}`,
    '',
    `trends against ${time(d.trends?.previousAt)}:`,
    trends,
  ].join('\n');
  return { data: s, human };
}
