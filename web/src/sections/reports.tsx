/**
 * The seed's three reports (Settings ➔ Services ➔ Robots and tasks): Tasks (jobs started by
 * admins or events, with status), Process (every started job with its parent and
 * children) and In execution (the robot instances running now).
 */
import type { PageProps, Section } from '../sections';
import type { Job } from '../types';
import { enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { JobsTable, progressText } from '../ui/jobs-table';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

const TABS = [
  ['tasks', 'Tasks'],
  ['processes', 'Process'],
  ['in-execution', 'In execution'],
] as const;

function Tabs({ current }: { current: string }) {
  return (
    <nav aria-label="Reports" class="toggles">
      {TABS.map(([id, title]) => (
        <a key={id} href={`/reports/${id}`} aria-current={id === current ? 'page' : undefined}>
          {title}
        </a>
      ))}
    </nav>
  );
}

function Tasks() {
  const paged = usePaged<Job>('/api/v1/reports/tasks?limit=100');
  return (
    <>
      <PageTitle title="Tasks" />
      <Tabs current="tasks" />
      <JobsTable jobs={paged.items} caption="Tasks triggered by admins and events, with status" />
      <PagedFooter paged={paged} what="tasks" count={paged.items.length} />
    </>
  );
}

interface Process {
  job: Job;
  parent: { id: string; type: string; state: string } | null;
  children: Record<string, number>;
}

function Processes() {
  const paged = usePaged<Process>('/api/v1/reports/processes?limit=100');
  return (
    <>
      <PageTitle title="Process" />
      <Tabs current="processes" />
      <table>
        <caption>Every started job, scheduled or task, with parent and children</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            <th scope="col">Trigger</th>
            <th scope="col">Parent</th>
            <th scope="col">Children</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((p) => (
            <tr key={p.job.id}>
              <td>
                <a href={`/jobs/${enc(p.job.id)}`}>{p.job.type}</a>
              </td>
              <td>
                <State state={p.job.state} />
              </td>
              <td>{p.job.trigger}</td>
              <td>{p.parent ? <a href={`/jobs/${enc(p.parent.id)}`}>{p.parent.type}</a> : '—'}</td>
              <td>
                {Object.entries(p.children)
                  .map(([s, n]) => `${n} ${s}`)
                  .join(', ') || '—'}
              </td>
              <td>
                <Time ms={p.job.startedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="processes" count={paged.items.length} />
    </>
  );
}

interface Running {
  jobId: string;
  type: string;
  robot: boolean;
  hostId: string | null;
  since: number | null;
  attempt: number;
  worker: { hostname: string; pid: number; heartbeatAt: number } | null;
  leaseUntil: number | null;
  cancelRequested: boolean;
  progress: unknown;
}

function InExecution() {
  const r = useApi<{ items: Running[] }>('/api/v1/reports/in-execution');
  return (
    <>
      <PageTitle title="In execution">
        <button type="button" onClick={r.reload}>
          Refresh
        </button>
      </PageTitle>
      <Tabs current="in-execution" />
      {r.loading && <Loading what="running instances" />}
      <ErrorBox error={r.error} />
      {r.data && (
        <table>
          <caption>{r.data.items.length} instances running now, on every controller</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Robot</th>
              <th scope="col">Since</th>
              <th scope="col">Attempt</th>
              <th scope="col">Worker</th>
              <th scope="col">Lease until</th>
              <th scope="col">Progress</th>
            </tr>
          </thead>
          <tbody>
            {r.data.items.map((x) => (
              <tr key={x.jobId}>
                <td>
                  <a href={`/jobs/${enc(x.jobId)}`}>{x.type}</a>
                  {x.cancelRequested && <span class="muted"> (cancelling)</span>}
                </td>
                <td>{x.robot ? 'yes' : 'no'}</td>
                <td>
                  <Time ms={x.since} />
                </td>
                <td>{x.attempt}</td>
                <td>{x.worker ? `${x.worker.hostname} pid ${x.worker.pid}` : '—'}</td>
                <td>
                  <Time ms={x.leaseUntil} />
                </td>
                <td>{progressText(x.progress)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const Report = ({ params }: PageProps) =>
  params.report === 'processes' ? (
    <Processes />
  ) : params.report === 'in-execution' ? (
    <InExecution />
  ) : (
    <Tasks />
  );

export const section: Section = {
  id: 'reports',
  title: 'Reports',
  navOrder: 60,
  path: '/reports/tasks',
  reads: 'GET /api/v1/reports/tasks',
  pages: [{ pattern: '/reports/:report', component: Report }],
};
