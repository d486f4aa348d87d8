/**
 * Sessions through the gateway: the list (newest first), one session with its events, its
 * recording replayed and its readable log, and the web terminal that opens a new one as
 * the person this token is linked to. The terminal and the player are loaded on demand.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { qs } from '../api';
import { navigate } from '../router';
import type { PageProps, Section } from '../sections';
import { enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

interface SessionRow {
  id: string;
  personUid: string;
  target: string;
  hostId: string;
  account: string;
  fromAddress: string;
  state: string;
  reason: string | null;
  startedAt: number;
  connectedAt: number | null;
  endedAt: number | null;
  bytesOut: number;
  bytesIn: number;
  recordingPath: string | null;
  exitCode: number | null;
  via?: { entry: string; token: string };
}

interface LoggedCommand {
  seq: number;
  prompt: string;
  command: string;
  output: string;
  startedAt: number;
}

interface SessionDetail {
  session: SessionRow;
  events: { id: string; at: number; type: string; details: Record<string, unknown> }[];
  text: {
    log: { commands: LoggedCommand[] };
    scores: { seq: number; score: number }[] | null;
  } | null;
}

/** A default-exported component from a module loaded when first drawn. */
function useLazy<P>(load: () => Promise<{ default: ComponentType<P> }>) {
  const [C, setC] = useState<ComponentType<P> | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    load().then(
      (m) => setC(() => m.default),
      (e: Error) => setError(e),
    );
  }, []);
  return { C, error };
}

function OpenTerminal() {
  const [host, setHost] = useState('');
  const [account, setAccount] = useState('');
  return (
    <form
      class="filters"
      aria-label="Open a terminal"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(`/sessions/terminal${qs({ host: host.trim(), account: account.trim() })}`);
      }}
    >
      <label>
        Host (id, name or address)
        <input value={host} required onInput={(e) => setHost(e.currentTarget.value)} />
      </label>
      <label>
        Account
        <input value={account} required onInput={(e) => setAccount(e.currentTarget.value)} />
      </label>
      <button type="submit">Open a terminal</button>
    </form>
  );
}

function SessionsList({ query }: PageProps) {
  const [state, setState] = useState(query.get('state') ?? '');
  const paged = usePaged<SessionRow>(`/api/v1/sessions${qs({ state, limit: 50 })}`);
  return (
    <>
      <PageTitle title="Sessions" />
      <OpenTerminal />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter sessions">
        <label>
          State
          <select value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">any</option>
            {['live', 'connecting', 'ended', 'terminated', 'failed', 'abandoned'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <table>
        <caption>Gateway sessions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Person</th>
            <th scope="col">Target</th>
            <th scope="col">State</th>
            <th scope="col">Started</th>
            <th scope="col">Ended</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((s) => (
            <tr key={s.id}>
              <td>
                <a href={`/sessions/${enc(s.id)}`}>{s.id}</a>
              </td>
              <td>
                {s.personUid}
                {s.via && <div class="small muted">web terminal</div>}
              </td>
              <td>{s.target}</td>
              <td>
                <State state={s.state} />
                {s.reason && <div class="small">{s.reason}</div>}
              </td>
              <td>
                <Time ms={s.startedAt} />
              </td>
              <td>
                <Time ms={s.endedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="sessions" count={paged.items.length} />
    </>
  );
}

function SessionPage({ params }: PageProps) {
  const id = params.id ?? '';
  const { data, error } = useApi<SessionDetail>(`/api/v1/sessions/${enc(id)}`);
  const player = useLazy(() => import('../screens/session-player'));
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading what="the session" />;
  const s = data.session;
  const score = new Map((data.text?.scores ?? []).map((x) => [x.seq, x.score]));
  return (
    <>
      <PageTitle title={`Session ${s.id}`} />
      <dl class="facts">
        <dt>Person</dt>
        <dd>
          {s.personUid}
          {s.via ? ` (web terminal, ${s.via.token})` : ' (ssh)'}
        </dd>
        <dt>Target</dt>
        <dd>{s.target}</dd>
        <dt>From</dt>
        <dd>{s.fromAddress}</dd>
        <dt>State</dt>
        <dd>
          <State state={s.state} /> {s.reason}
          {s.exitCode !== null && ` (exit status ${s.exitCode})`}
        </dd>
        <dt>Started</dt>
        <dd>
          <Time ms={s.startedAt} />
        </dd>
        <dt>Ended</dt>
        <dd>
          <Time ms={s.endedAt} />
        </dd>
        <dt>Bytes out / in</dt>
        <dd>
          {s.bytesOut} / {s.bytesIn}
        </dd>
      </dl>
      <h2>Recording</h2>
      {s.recordingPath ? (
        <>
          <ErrorBox error={player.error} />
          {player.C ? <player.C sessionId={s.id} /> : <Loading what="the player" />}
        </>
      ) : (
        <p class="muted">No recording: the session never connected, or retention deleted it.</p>
      )}
      <h2>Readable log</h2>
      {data.text ? (
        <ol class="session-log">
          {data.text.log.commands.map((c) => (
            <li key={c.seq}>
              <div>
                <code>
                  {c.prompt} {c.command}
                </code>{' '}
                <Time ms={c.startedAt} />
                {score.get(c.seq) ? ` · risk ${score.get(c.seq)}` : ''}
              </div>
              {c.output && <pre>{c.output}</pre>}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">Not converted yet: the log is made when the session has ended.</p>
      )}
      {data.events.length > 0 && (
        <>
          <h2>Events</h2>
          <ul>
            {data.events.map((e) => (
              <li key={e.id}>
                <Time ms={e.at} /> {e.type} <code>{JSON.stringify(e.details)}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function TerminalPage({ query }: PageProps) {
  const host = query.get('host') ?? '';
  const account = query.get('account') ?? '';
  const terminal = useLazy(() => import('../screens/web-terminal'));
  return (
    <>
      <PageTitle title={`Terminal: ${account}@${host}`} />
      <ErrorBox error={terminal.error} />
      {!host || !account ? (
        <ErrorBox error={new Error('Name a host and an account (Sessions → Open a terminal).')} />
      ) : terminal.C ? (
        <terminal.C host={host} account={account} />
      ) : (
        <Loading what="the terminal" />
      )}
    </>
  );
}

export const section: Section = {
  id: 'sessions',
  title: 'Sessions',
  navOrder: 38,
  path: '/sessions',
  reads: 'GET /api/v1/sessions',
  pages: [
    { pattern: '/sessions', component: SessionsList },
    { pattern: '/sessions/terminal', component: TerminalPage },
    { pattern: '/sessions/:id', component: SessionPage },
  ],
};
