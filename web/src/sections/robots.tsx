/**
 * The robots panel (the seed's Settings ➔ Execution Processes): every robot with its
 * instances (Simult.), interval, execution window, status and enabled flag. A change opens
 * a dialog that shows the seed's caution before anything is saved; the change is audited
 * and sent to syslog by the API.
 */
import { useState } from 'preact/hooks';
import { api } from '../api';
import type { Section } from '../sections';
import { useSession } from '../session';
import { Dialog } from '../ui/dialog';
import { duration, enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { useApi } from '../ui/use-api';

interface Robot {
  type: string;
  describe: string;
  status: string;
  instances: number;
  running: number;
  intervalMs: number | null;
  windowStart: string | null;
  windowEnd: string | null;
  enabled: boolean;
  nextRunAt: number | null;
  lastStartedAt: number | null;
  lastJobId: string | null;
  updatedAt: number;
  updatedBy: string;
}

/** The seed's caution (and the API's ROBOT_CHANGE_WARNING), shown before the change. */
export const ROBOT_WARNING =
  'Changing any interval of execution, the number of instances, or switching its status can make data unavailable or late until the robot runs again.';

function RobotsPanel() {
  const { can } = useSession();
  const robots = useApi<{ items: Robot[] }>('/api/v1/robots');
  const [editing, setEditing] = useState<Robot | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <>
      <PageTitle title="Robots" />
      <p class="muted">Settings ➔ Execution Processes: the robots and their execution settings.</p>
      {robots.loading && <Loading what="robots" />}
      <ErrorBox error={robots.error} />
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      {robots.data && (
        <table>
          <caption>{robots.data.items.length} robots</caption>
          <thead>
            <tr>
              <th scope="col">Robot</th>
              <th scope="col">Status</th>
              <th scope="col">Enabled</th>
              <th scope="col">Simult.</th>
              <th scope="col">Running</th>
              <th scope="col">Interval</th>
              <th scope="col">Window</th>
              <th scope="col">Next run</th>
              <th scope="col">Last started</th>
              <th scope="col">Changed</th>
              {can('PATCH /api/v1/robots/:type') && <th scope="col">Change</th>}
            </tr>
          </thead>
          <tbody>
            {robots.data.items.map((r) => (
              <tr key={r.type} data-robot={r.type}>
                <td>
                  <strong>{r.type}</strong>
                  <div class="muted small">{r.describe}</div>
                </td>
                <td>
                  <State state={r.status} />
                </td>
                <td>{r.enabled ? 'yes' : 'no'}</td>
                <td>{r.instances}</td>
                <td>{r.running}</td>
                <td>{duration(r.intervalMs)}</td>
                <td data-testid="window">
                  {r.windowStart && r.windowEnd ? `${r.windowStart}–${r.windowEnd}` : 'any time'}
                </td>
                <td>
                  <Time ms={r.nextRunAt} />
                </td>
                <td>
                  {r.lastJobId ? (
                    <a href={`/jobs/${enc(r.lastJobId)}`}>
                      <Time ms={r.lastStartedAt} />
                    </a>
                  ) : (
                    <Time ms={r.lastStartedAt} />
                  )}
                </td>
                <td>
                  <Time ms={r.updatedAt} /> <span class="muted small">{r.updatedBy}</span>
                </td>
                {can('PATCH /api/v1/robots/:type') && (
                  <td>
                    <button
                      type="button"
                      onClick={() => setEditing(r)}
                      aria-label={`Change ${r.type}`}
                    >
                      Change…
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Dialog
        open={editing !== null}
        title={`Change ${editing?.type ?? ''}`}
        onClose={() => setEditing(null)}
      >
        {editing && (
          <RobotForm
            robot={editing}
            onDone={(msg) => {
              setEditing(null);
              setNotice(msg);
              robots.reload();
            }}
            onCancel={() => setEditing(null)}
          />
        )}
      </Dialog>
    </>
  );
}

function RobotForm(props: { robot: Robot; onDone: (msg: string) => void; onCancel: () => void }) {
  const r = props.robot;
  const [instances, setInstances] = useState(String(r.instances));
  const [intervalS, setIntervalS] = useState(r.intervalMs ? String(r.intervalMs / 1000) : '');
  const [windowStart, setWindowStart] = useState(r.windowStart ?? '');
  const [windowEnd, setWindowEnd] = useState(r.windowEnd ?? '');
  const [enabled, setEnabled] = useState(r.enabled);
  const [error, setError] = useState<Error | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    const patch: Record<string, unknown> = {};
    if (Number(instances) !== r.instances) patch.instances = Number(instances);
    if (r.intervalMs !== null && Number(intervalS) * 1000 !== r.intervalMs)
      patch.intervalMs = Math.round(Number(intervalS) * 1000);
    if ((windowStart || null) !== r.windowStart) patch.windowStart = windowStart || null;
    if ((windowEnd || null) !== r.windowEnd) patch.windowEnd = windowEnd || null;
    if (enabled !== r.enabled) patch.enabled = enabled;
    if (Object.keys(patch).length === 0) return props.onCancel();
    try {
      const res = await api<{ changes: Record<string, { from: unknown; to: unknown }> }>(
        'PATCH',
        `/api/v1/robots/${enc(r.type)}`,
        patch,
      );
      props.onDone(
        `${r.type} changed: ${Object.entries(res.changes)
          .map(([k, c]) => `${k} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`)
          .join(', ')}`,
      );
    } catch (err) {
      setError(err as Error);
    }
  };
  const input = (_v: string, set: (s: string) => void) => (e: Event) =>
    set((e.target as HTMLInputElement).value);
  return (
    <form onSubmit={save} class="form">
      <p class="warning" role="alert">
        Caution: {ROBOT_WARNING} Syslog is told of every change.
      </p>
      <label>
        Instances (Simult.)
        <input
          type="number"
          min={1}
          max={1000}
          required
          value={instances}
          onInput={input(instances, setInstances)}
        />
      </label>
      {r.intervalMs !== null && (
        <label>
          Interval (seconds)
          <input
            type="number"
            min={1}
            required
            value={intervalS}
            onInput={input(intervalS, setIntervalS)}
          />
        </label>
      )}
      <label>
        Window start (HH:MM, empty: any time)
        <input
          name="windowStart"
          pattern="([01][0-9]|2[0-3]):[0-5][0-9]"
          value={windowStart}
          onInput={input(windowStart, setWindowStart)}
        />
      </label>
      <label>
        Window end (HH:MM)
        <input
          name="windowEnd"
          pattern="([01][0-9]|2[0-3]):[0-5][0-9]"
          value={windowEnd}
          onInput={input(windowEnd, setWindowEnd)}
        />
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={enabled}
          onChange={(e) => setEnabled((e.target as HTMLInputElement).checked)}
        />
        Enabled
      </label>
      <div class="actions">
        <button type="submit">Save the change</button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

export const section: Section = {
  id: 'robots',
  title: 'Robots',
  navOrder: 70,
  path: '/robots',
  reads: 'GET /api/v1/robots',
  pages: [{ pattern: '/robots', component: RobotsPanel }],
};
