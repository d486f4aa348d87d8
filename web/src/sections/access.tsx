/**
 * The access graph: who can reach a host (and account), or where a key goes, including
 * hops through stored private keys, drawn with Cytoscape.js. The same answer is listed as
 * a table below the picture (keyboard and screen-reader users read that).
 */
import { useState } from 'preact/hooks';
import { api, qs } from '../api';
import { navigate } from '../router';
import type { PageProps, Section } from '../sections';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle, Time } from '../ui/bits';
import { jobEnded } from '../ui/live';
import { useApi } from '../ui/use-api';
import { AccessPicture } from '../screens/access-picture';
import { MAX_NODES, type ReachPath } from '../screens/access-elements';
import { useHostGroups } from '../screens/host-groups';

interface Answer {
  snapshot: { id: string; createdAt: number };
  truncated: boolean;
  items: ({ fingerprint?: string; hostId?: string; account?: string; hops: number } & ReachPath)[];
}

function AccessPage({ query }: PageProps) {
  const [host, setHost] = useState(query.get('host') ?? '');
  const [account, setAccount] = useState(query.get('account') ?? '');
  const [fingerprint, setFingerprint] = useState(query.get('fingerprint') ?? '');
  const qHost = query.get('host');
  const qFp = query.get('fingerprint');
  const path = qFp
    ? `/api/v1/access/key-reach${qs({ fingerprint: qFp })}`
    : qHost
      ? `/api/v1/access/who-can-reach${qs({ host: qHost, account: query.get('account') })}`
      : null;
  const { can } = useSession();
  const answer = useApi<Answer>(path);
  const hostCount = answer.data
    ? new Set(answer.data.items.flatMap((p) => p.path.map((s) => s.hostId))).size
    : 0;
  // Only an answer over too many hosts to draw one by one needs their groups.
  const groupOf = useHostGroups(hostCount > MAX_NODES);
  const graph = useApi<{ createdAt: number }>(
    can('GET /api/v1/access/graph') ? '/api/v1/access/graph' : null,
  );
  const [building, setBuilding] = useState(false);
  const [buildError, setBuildError] = useState<Error | null>(null);
  /** graph-analysis builds a new snapshot; the answer is asked again once it has ended. */
  const rebuild = async () => {
    setBuilding(true);
    setBuildError(null);
    try {
      const res = await api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
        type: 'graph-analysis',
      });
      await jobEnded(res.job.id);
      graph.reload();
      answer.reload();
    } catch (err) {
      setBuildError(err as Error);
    } finally {
      setBuilding(false);
    }
  };
  const go = (e: Event) => {
    e.preventDefault();
    navigate(
      `/access${fingerprint.trim() ? qs({ fingerprint: fingerprint.trim() }) : qs({ host: host.trim(), account: account.trim() })}`,
    );
  };
  return (
    <>
      <PageTitle title="Access graph">
        <p class="muted">
          {graph.data ? (
            <>
              Graph built <Time ms={graph.data.createdAt} />
            </>
          ) : (
            'No graph built yet.'
          )}
        </p>
        {can('POST /api/v1/jobs') && (
          <button type="button" disabled={building} onClick={() => void rebuild()}>
            {building ? 'Building the graph…' : 'Rebuild the graph now'}
          </button>
        )}
      </PageTitle>
      <ErrorBox error={buildError} />
      <form class="filters" onSubmit={go} aria-label="Access question">
        <fieldset>
          <legend>Who can reach</legend>
          <label>
            Host id
            <input value={host} onInput={(e) => setHost((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Account (optional)
            <input
              value={account}
              onInput={(e) => setAccount((e.target as HTMLInputElement).value)}
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>or where a key goes</legend>
          <label>
            Key fingerprint
            <input
              value={fingerprint}
              placeholder="SHA256:…"
              onInput={(e) => setFingerprint((e.target as HTMLInputElement).value)}
            />
          </label>
        </fieldset>
        <button type="submit">Show</button>
      </form>
      {!path && <p class="muted">Ask about a host or a key to draw its part of the graph.</p>}
      {answer.loading && <Loading what="access" />}
      <ErrorBox error={answer.error} />
      {answer.data && (
        <>
          <p class="muted">
            {answer.data.items.length} paths{answer.data.truncated ? ' (truncated)' : ''}
          </p>
          <AccessPicture paths={answer.data.items} groupOf={groupOf ?? undefined} />
          <table>
            <caption>Paths</caption>
            <thead>
              <tr>
                <th scope="col">Hops</th>
                <th scope="col">Path</th>
              </tr>
            </thead>
            <tbody>
              {answer.data.items.slice(0, 500).map((p, i) => (
                <tr key={i}>
                  <td>{p.hops}</td>
                  <td>
                    {p.path
                      .map((s) =>
                        s.kind === 'opens'
                          ? `${s.fingerprint.slice(0, 16)}… opens ${s.account}@${s.hostId}`
                          : `stored in ${s.path ?? ''} on ${s.account}@${s.hostId}`,
                      )
                      .join(' → ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

export const section: Section = {
  id: 'access',
  title: 'Access graph',
  navOrder: 40,
  path: '/access',
  reads: 'GET /api/v1/access/who-can-reach',
  pages: [{ pattern: '/access', component: AccessPage }],
};
