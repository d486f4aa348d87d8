/**
 * One host: its facts and credentials (never their secrets), the actions its state allows
 * (discover again, monitor, manage, renew the management key, accept a changed host key),
 * its jobs live (server-sent events), and its inventory one list at a time.
 */
import { useState } from 'preact/hooks';
import { api } from '../api';
import type { PageProps } from '../sections';
import { useSession } from '../session';
import type { Host, Job } from '../types';
import { enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { JobsTable } from '../ui/jobs-table';
import { useLive } from '../ui/live';
import { useApi } from '../ui/use-api';
import { HostInventory } from './host-inventory';
import { HostHistory } from './host-history';

interface HostDetail extends Host {
  credentials: { slot: string; kind: string; fingerprint: string | null; createdAt: number }[];
}

const ACTIONS = [
  ['discover', 'Discover again'],
  ['monitor', 'Switch to monitored'],
  ['manage', 'Switch to managed'],
  ['renew-management-key', 'Renew management key'],
] as const;

export function HostPage({ params }: PageProps) {
  const id = params.id as string;
  const { can } = useSession();
  const host = useApi<HostDetail>(`/api/v1/hosts/${enc(id)}`);
  const live = useLive<{ host: Pick<Host, 'state' | 'lastSeenAt'>; jobs: Job[] }>(
    can('GET /api/v1/job-events') ? `/api/v1/job-events?host=${enc(id)}` : null,
  );
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const act = async (path: string, body?: unknown) => {
    setError(null);
    try {
      const res = await api<{ jobId?: string }>(
        'POST',
        `/api/v1/hosts/${enc(id)}/${path}`,
        body ?? {},
      );
      setMessage(res.jobId ? `Started job ${res.jobId}` : 'Done');
      host.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  if (host.loading && !host.data) return <Loading what="host" />;
  if (!host.data) return <ErrorBox error={host.error} />;
  const h = host.data;
  const state = live.data?.host.state ?? h.state;
  return (
    <>
      <PageTitle title={`Host ${h.name}`}>
        <p>
          <State state={state} /> <span class="muted">{h.kind}</span>
        </p>
      </PageTitle>
      <section class="card" aria-labelledby="facts">
        <h2 id="facts">Facts</h2>
        <dl class="facts">
          <dt>Id</dt>
          <dd>
            {h.id} · <a href={`/access?host=${enc(h.id)}`}>who can reach it</a>
          </dd>
          <dt>Address</dt>
          <dd>
            {h.address}:{h.port}
          </dd>
          <dt>Group</dt>
          <dd>{h.groupId ?? '—'}</dd>
          <dt>Management account</dt>
          <dd>{h.managementAccount ?? '—'}</dd>
          <dt>Pinned host key</dt>
          <dd>
            <code>{h.hostKeyFingerprint ?? 'none yet'}</code>
          </dd>
          <dt>OS / SSH</dt>
          <dd>
            {h.os ?? '—'} / {h.sshProduct ?? '—'}
          </dd>
          <dt>Last seen</dt>
          <dd>
            <Time ms={live.data?.host.lastSeenAt ?? h.lastSeenAt} />
          </dd>
          <dt>Credentials</dt>
          <dd>
            {h.credentials.length === 0
              ? 'none'
              : h.credentials.map((c) => (
                  <div key={c.slot}>
                    {c.slot}: {c.kind} <code>{c.fingerprint ?? ''}</code>
                  </div>
                ))}
          </dd>
        </dl>
        <div class="actions">
          {ACTIONS.filter(
            ([path]) =>
              can(`POST /api/v1/hosts/:id/${path}`) &&
              (path !== 'renew-management-key' || h.kind === 'agentless'),
          ).map(([path, label]) => (
            <button type="button" key={path} onClick={() => void act(path)}>
              {label}
            </button>
          ))}
          {can('POST /api/v1/hosts/:id/accept-host-key') && state === 'host-key-mismatch' && (
            <button type="button" class="danger" onClick={() => void act('accept-host-key')}>
              Accept the presented host key
            </button>
          )}
        </div>
        {message && (
          <p role="status" class="muted">
            {message}
          </p>
        )}
        <ErrorBox error={error} />
      </section>
      <section class="card" aria-labelledby="host-jobs">
        <h2 id="host-jobs">Jobs</h2>
        <p class="muted" role="status" aria-live="polite">
          {live.data
            ? 'Live: updates as the jobs run.'
            : live.error
              ? live.error.message
              : 'Connecting…'}
        </p>
        {live.data && <JobsTable jobs={live.data.jobs} caption={`Newest jobs of ${h.name}`} />}
      </section>
      <HostInventory hostId={h.id} />
      {/* Read again on each state change the live stream shows. */}
      {can('GET /api/v1/audit') && <HostHistory key={state} hostId={h.id} />}
    </>
  );
}
