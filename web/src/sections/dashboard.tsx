/**
 * The dashboard: the figures internal-calculate-statistics keeps (hosts by state and kind,
 * keys by type and size, authorized-key lines unused or foreign, jobs by state, failures by
 * type, open alerts by severity) and the size of the newest access graph. One read each,
 * whatever the fleet's size: the counting is the robot's (controller/reports/key-statistics.ts).
 */
import { api, ApiError } from '../api';
import type { Section } from '../sections';
import { useSession } from '../session';
import { CountChart } from '../ui/chart';
import { ErrorBox, Loading, PageTitle, Time } from '../ui/bits';
import { useApi } from '../ui/use-api';
import { jobEnded } from '../ui/live';

interface Statistics {
  id: string;
  createdAt: number;
  data: {
    hosts?: { total: number; byState: Record<string, number>; byKind: Record<string, number> };
    jobs?: { byState: Record<string, number>; failedByType: Record<string, number> };
    alerts?: { open: number; openBySeverity: Record<string, number> };
    keys?: { total: number; byType: Record<string, number>; bySize: Record<string, number> };
    authorizedKeys?: {
      lines: number;
      managed: number;
      foreign: number;
      used: number;
      unused: number;
    };
    privateKeys?: { files: number; encrypted: number; unencrypted: number };
    [more: string]: unknown;
  };
}

interface GraphMeta {
  id: string;
  createdAt: number;
  stats: Record<string, number>;
}

function Dashboard() {
  const { can } = useSession();
  const stats = useApi<Statistics>('/api/v1/reports/statistics');
  const graph = useApi<GraphMeta>(can('GET /api/v1/access/graph') ? '/api/v1/access/graph' : null);
  const none = stats.error instanceof ApiError && stats.error.status === 404;
  const recalc = async () => {
    const res = await api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      type: 'internal-calculate-statistics',
    });
    await jobEnded(res.job.id);
    stats.reload();
  };
  const d = stats.data?.data;
  const lines = d?.authorizedKeys;
  return (
    <>
      <PageTitle title="Dashboard">
        {stats.data && (
          <p class="muted" data-testid="stats-at">
            Figures of <Time ms={stats.data.createdAt} />
          </p>
        )}
        {can('POST /api/v1/jobs') && (
          <button type="button" onClick={() => void recalc()}>
            Recalculate now
          </button>
        )}
      </PageTitle>
      {stats.loading && <Loading what="statistics" />}
      {none ? (
        <p>No statistics yet: the internal-calculate-statistics robot has not run.</p>
      ) : (
        <ErrorBox error={stats.error} />
      )}
      {d && (
        <div class="cards" data-testid="dashboard-loaded">
          <div class="card figure">
            <span class="big">{d.hosts?.total ?? 0}</span> hosts
          </div>
          <div class="card figure">
            <span class="big">{d.keys?.total ?? 0}</span> keys
          </div>
          <div class="card figure">
            <span class="big">{lines?.unused ?? 0}</span> authorized keys never used
          </div>
          <div class="card figure">
            <span class="big">{lines?.foreign ?? 0}</span> foreign authorized keys
          </div>
          <div class="card figure">
            <span class="big">{d.alerts?.open ?? 0}</span> open alerts
          </div>
          {graph.data &&
            Object.entries(graph.data.stats).map(([k, v]) => (
              <div class="card figure" key={k}>
                <span class="big">{v}</span> {k} in the access graph
              </div>
            ))}
          <div class="card">
            <CountChart title="Hosts by state" counts={d.hosts?.byState ?? {}} kind="doughnut" />
          </div>
          <div class="card">
            <CountChart title="Hosts by kind" counts={d.hosts?.byKind ?? {}} kind="doughnut" />
          </div>
          <div class="card">
            <CountChart title="Keys by type" counts={d.keys?.byType ?? {}} kind="doughnut" />
          </div>
          <div class="card">
            <CountChart title="Keys by type and size" counts={d.keys?.bySize ?? {}} />
          </div>
          <div class="card">
            <CountChart
              title="Authorized keys used or never used"
              counts={lines ? { used: lines.used, 'never used': lines.unused } : {}}
              kind="doughnut"
            />
          </div>
          <div class="card">
            <CountChart
              title="Authorized keys managed or foreign"
              counts={lines ? { managed: lines.managed, foreign: lines.foreign } : {}}
              kind="doughnut"
            />
          </div>
          <div class="card">
            <CountChart
              title="Open alerts by severity"
              counts={d.alerts?.openBySeverity ?? {}}
              kind="doughnut"
            />
          </div>
          <div class="card">
            <CountChart title="Jobs by state" counts={d.jobs?.byState ?? {}} />
          </div>
          <div class="card">
            <CountChart title="Failed jobs by type" counts={d.jobs?.failedByType ?? {}} />
          </div>
        </div>
      )}
    </>
  );
}

export const section: Section = {
  id: 'dashboard',
  title: 'Dashboard',
  navOrder: 10,
  path: '/dashboard',
  reads: 'GET /api/v1/reports/statistics',
  pages: [{ pattern: '/dashboard', component: Dashboard }],
};
