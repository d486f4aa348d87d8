/** Alerts: open ones first; dismiss (with a reason) or resolve. */
import { useState } from 'preact/hooks';
import { api, qs } from '../api';
import type { PageProps, Section } from '../sections';
import { useSession } from '../session';
import { Dialog } from '../ui/dialog';
import { enc, ErrorBox, PageTitle, State, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';

interface Alert {
  id: string;
  type: string;
  severity: string;
  subject: string;
  message: string;
  state: string;
  context: { hostId?: string; hostName?: string; fingerprint?: string };
  stateReason: string | null;
  stateBy: string | null;
  createdAt: number;
  updatedAt: number;
}

function Alerts({ query }: PageProps) {
  const { can } = useSession();
  const [state, setState] = useState(query.get('state') ?? 'open');
  const paged = usePaged<Alert>(`/api/v1/alerts${qs({ state, limit: 100 })}`);
  const [dismissing, setDismissing] = useState<Alert | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const change = async (a: Alert, to: 'dismiss' | 'resolve', why?: string) => {
    setError(null);
    try {
      await api('POST', `/api/v1/alerts/${enc(a.id)}/${to}`, why ? { reason: why } : {});
      setDismissing(null);
      setReason('');
      paged.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <>
      <PageTitle title="Alerts" />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter alerts">
        <label>
          State
          <select value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            <option>open</option>
            <option>dismissed</option>
            <option>resolved</option>
          </select>
        </label>
      </form>
      <ErrorBox error={error} />
      <table>
        <caption>Alerts, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Alert</th>
            <th scope="col">About</th>
            <th scope="col">State</th>
            <th scope="col">Raised</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((a) => (
            <tr key={a.id}>
              <td>
                <State state={a.severity} />
              </td>
              <td>
                <strong>{a.type}</strong>
                <div>{a.message}</div>
              </td>
              <td>
                {a.context.hostId ? (
                  <a href={`/hosts/${enc(a.context.hostId)}`}>
                    {a.context.hostName ?? a.context.hostId}
                  </a>
                ) : (
                  a.subject
                )}
              </td>
              <td>
                <State state={a.state} />
                {a.stateReason && <div class="muted small">{a.stateReason}</div>}
              </td>
              <td>
                <Time ms={a.createdAt} />
              </td>
              <td>
                {a.state === 'open' && can('POST /api/v1/alerts/:id/dismiss') && (
                  <button type="button" onClick={() => setDismissing(a)}>
                    Dismiss…
                  </button>
                )}
                {a.state === 'open' && can('POST /api/v1/alerts/:id/resolve') && (
                  <button type="button" onClick={() => void change(a, 'resolve')}>
                    Resolve
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="alerts" count={paged.items.length} />
      <Dialog
        open={dismissing !== null}
        title="Dismiss the alert"
        onClose={() => setDismissing(null)}
      >
        <form
          class="form"
          onSubmit={(e) => {
            e.preventDefault();
            if (dismissing) void change(dismissing, 'dismiss', reason.trim());
          }}
        >
          <p>{dismissing?.message}</p>
          <label>
            Reason (kept with the alert and in the audit log)
            <input
              required
              maxLength={500}
              value={reason}
              onInput={(e) => setReason((e.target as HTMLInputElement).value)}
            />
          </label>
          <div class="actions">
            <button type="submit">Dismiss</button>
            <button type="button" class="secondary" onClick={() => setDismissing(null)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}

export const section: Section = {
  id: 'alerts',
  title: 'Alerts',
  navOrder: 80,
  path: '/alerts',
  reads: 'GET /api/v1/alerts',
  pages: [{ pattern: '/alerts', component: Alerts }],
};
