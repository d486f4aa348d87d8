/** Jobs: filters, and a job's page with its tree of children, live progress, cancel and retry. */
import { useState } from 'preact/hooks';
import { api, qs, type Page } from '../api';
import type { PageProps, Section } from '../sections';
import { useSession } from '../session';
import { ENDED, JOB_STATES, type Job } from '../types';
import { enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { JobsTable, progressText } from '../ui/jobs-table';
import { useLive } from '../ui/live';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

function JobsList({ query }: PageProps) {
  const [state, setState] = useState(query.get('state') ?? '');
  const [type, setType] = useState(query.get('type') ?? '');
  const [host, setHost] = useState(query.get('host') ?? '');
  const paged = usePaged<Job>(`/api/v1/jobs${qs({ state, type, host, limit: 100 })}`);
  return (
    <>
      <PageTitle title="Jobs" />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter jobs">
        <label>
          State
          <select value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {JOB_STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <input value={type} onChange={(e) => setType((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Host id
          <input value={host} onChange={(e) => setHost((e.target as HTMLInputElement).value)} />
        </label>
      </form>
      <JobsTable jobs={paged.items} caption="Jobs, newest first" />
      <PagedFooter paged={paged} what="jobs" count={paged.items.length} />
    </>
  );
}

function JobPage({ params }: PageProps) {
  const id = params.id as string;
  const { can } = useSession();
  const fetched = useApi<Job>(`/api/v1/jobs/${enc(id)}`);
  const live = useLive<{ job: Job; children: Job[] }>(
    can('GET /api/v1/job-events') ? `/api/v1/job-events?job=${enc(id)}` : null,
  );
  const [error, setError] = useState<Error | null>(null);
  const job = live.data?.job ?? fetched.data;
  if (!job) return fetched.loading ? <Loading what="job" /> : <ErrorBox error={fetched.error} />;
  const act = async (what: 'cancel' | 'retry') => {
    setError(null);
    try {
      await api('POST', `/api/v1/jobs/${enc(id)}/${what}`, {});
      fetched.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <>
      <PageTitle title={`Job ${job.type}`}>
        <p>
          <State state={job.state} /> <span class="muted">{job.id}</span>
        </p>
      </PageTitle>
      <section class="card" aria-labelledby="job-facts">
        <h2 id="job-facts">Progress</h2>
        <p role="status" aria-live="polite" data-testid="job-progress">
          {job.state}
          {job.awaitingChildren ? ', waiting for its children' : ''}
          {progressText(job.progress) ? `: ${progressText(job.progress)}` : ''}
          {live.ended ? ' (ended)' : ''}
        </p>
        <dl class="facts">
          <dt>Attempts</dt>
          <dd>
            {job.attempts} of {job.maxAttempts}
          </dd>
          <dt>Created</dt>
          <dd>
            <Time ms={job.createdAt} /> by {job.createdBy} ({job.trigger})
          </dd>
          <dt>Started / finished</dt>
          <dd>
            <Time ms={job.startedAt} /> / <Time ms={job.finishedAt} />
          </dd>
          {job.hostId && (
            <>
              <dt>Host</dt>
              <dd>
                <a href={`/hosts/${enc(job.hostId)}`}>{job.hostId}</a>
              </dd>
            </>
          )}
          {job.parentId && (
            <>
              <dt>Parent</dt>
              <dd>
                <a href={`/jobs/${enc(job.parentId)}`}>{job.parentId}</a>
              </dd>
            </>
          )}
        </dl>
        {job.error && (
          <p class="error">
            {job.error.code}: {job.error.message}
          </p>
        )}
        <div class="actions">
          {can('POST /api/v1/jobs/:id/cancel') && !ENDED.includes(job.state) && (
            <button type="button" class="danger" onClick={() => void act('cancel')}>
              Cancel
            </button>
          )}
          {can('POST /api/v1/jobs/:id/retry') &&
            ['failed', 'cancelled', 'expired'].includes(job.state) && (
              <button type="button" onClick={() => void act('retry')}>
                Retry
              </button>
            )}
        </div>
        <ErrorBox error={error} />
      </section>
      <section class="card" aria-labelledby="children">
        <h2 id="children">Children</h2>
        <ChildTree parentId={job.id} first={live.data?.children} depth={0} />
      </section>
      <section class="card" aria-labelledby="job-result">
        <h2 id="job-result">Params and result</h2>
        <pre>{JSON.stringify({ params: job.params, result: job.result }, null, 2)}</pre>
      </section>
    </>
  );
}

/** A job's children, each expandable to its own (a fan-out job's tree). */
function ChildTree({ parentId, first, depth }: { parentId: string; first?: Job[]; depth: number }) {
  const fetched = useApi<Page<Job>>(
    first ? null : `/api/v1/jobs${qs({ parent: parentId, limit: 200 })}`,
  );
  const children = first ?? fetched.data?.items ?? [];
  const [open, setOpen] = useState<Record<string, boolean>>({});
  if (children.length === 0) return depth === 0 ? <p class="muted">No children.</p> : null;
  return (
    <ul class="tree">
      {children.map((c) => (
        <li key={c.id}>
          <button
            type="button"
            class="link"
            aria-expanded={!!open[c.id]}
            aria-label={`children of ${c.type} ${c.id}`}
            onClick={() => setOpen((o) => ({ ...o, [c.id]: !o[c.id] }))}
          >
            {open[c.id] ? '▾' : '▸'}
          </button>{' '}
          <a href={`/jobs/${enc(c.id)}`}>{c.type}</a> <State state={c.state} />{' '}
          <span class="muted">{progressText(c.progress)}</span>
          {c.error && <span class="muted"> {c.error.message}</span>}
          {open[c.id] && <ChildTree parentId={c.id} depth={depth + 1} />}
        </li>
      ))}
    </ul>
  );
}

export { JobsTable };

export const section: Section = {
  id: 'jobs',
  title: 'Jobs',
  navOrder: 50,
  path: '/jobs',
  reads: 'GET /api/v1/jobs',
  pages: [
    { pattern: '/jobs', component: JobsList },
    { pattern: '/jobs/:id', component: JobPage },
  ],
};
