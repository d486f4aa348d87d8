/**
 * Policies: the rules that turn the inventory into alerts. The list, and a policy's page
 * with its violations now (GET /policies/:id/violations) and a dry run of an edit or of
 * its removal, which anyone who may read may try: nothing is saved. Saving the edit is an
 * admin's (PATCH), and only then is the button drawn.
 */
import { useState } from 'preact/hooks';
import { api } from '../api';
import type { PageProps, Section } from '../sections';
import { useSession } from '../session';
import { enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

interface Policy {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  severity: string;
  scope: Record<string, string[]>;
  rule: { kind: string; [param: string]: unknown };
  version: number;
  updatedAt: number;
  updatedBy: string;
  explanation?: string;
}

interface Violation {
  id: string;
  state: string;
  subject: string;
  message: string;
  context: { hostId?: string; hostName?: string; account?: string; fingerprint?: string };
  createdAt: number;
}

interface DryRunItem {
  dedupeKey: string;
  severity: string;
  subject: string;
  message: string;
}
interface DryRun {
  hosts: number;
  findings: number;
  wouldRaise: { count: number; items: DryRunItem[] };
  wouldResolve: { count: number; items: DryRunItem[] };
  unchanged: number;
}

function PoliciesList() {
  const list = useApi<{ items: Policy[] }>('/api/v1/policies');
  return (
    <>
      <PageTitle title="Policies" />
      {list.loading && <Loading what="policies" />}
      <ErrorBox error={list.error} />
      {list.data && (
        <table>
          <caption>{list.data.items.length} policies in force</caption>
          <thead>
            <tr>
              <th scope="col">Policy</th>
              <th scope="col">Severity</th>
              <th scope="col">Enabled</th>
              <th scope="col">Rule</th>
              <th scope="col">Version</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((p) => (
              <tr key={p.id} data-policy={p.id}>
                <td>
                  <a href={`/policies/${enc(p.id)}`}>{p.name}</a>
                  <div class="muted small">{p.explanation ?? p.description}</div>
                </td>
                <td>
                  <State state={p.severity} />
                </td>
                <td>{p.enabled ? 'yes' : 'no'}</td>
                <td>
                  <code>{p.rule.kind}</code>
                </td>
                <td>{p.version}</td>
                <td>
                  <Time ms={p.updatedAt} /> <span class="muted small">by {p.updatedBy}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Violations({ id }: { id: string }) {
  const paged = usePaged<Violation>(`/api/v1/policies/${enc(id)}/violations?limit=100`);
  return (
    <section aria-labelledby="violations">
      <h2 id="violations">Violations now</h2>
      <table>
        <caption>Open and dismissed alerts of this policy</caption>
        <thead>
          <tr>
            <th scope="col">Where</th>
            <th scope="col">Finding</th>
            <th scope="col">State</th>
            <th scope="col">Raised</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((v) => (
            <tr key={v.id}>
              <td>
                {v.context.hostId ? (
                  <a href={`/hosts/${enc(v.context.hostId)}`}>
                    {v.context.hostName ?? v.context.hostId}
                  </a>
                ) : (
                  v.subject
                )}
                {v.context.account && <div class="muted small">as {v.context.account}</div>}
              </td>
              <td>{v.message}</td>
              <td>
                <State state={v.state} />
              </td>
              <td>
                <Time ms={v.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="violations" count={paged.items.length} />
    </section>
  );
}

const editable = (p: Policy) =>
  JSON.stringify(
    { enabled: p.enabled, severity: p.severity, scope: p.scope, rule: p.rule },
    null,
    2,
  );

function DryRunList({ title, part }: { title: string; part: DryRun['wouldRaise'] }) {
  return (
    <table>
      <caption>
        {title}: {part.count}
        {part.count > part.items.length ? ` (the first ${part.items.length} shown)` : ''}
      </caption>
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Finding</th>
        </tr>
      </thead>
      <tbody>
        {part.items.map((i) => (
          <tr key={i.dedupeKey}>
            <td>
              <State state={i.severity} />
            </td>
            <td>{i.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PolicyTry({ policy, onSaved }: { policy: Policy; onSaved: () => void }) {
  const { can } = useSession();
  const [text, setText] = useState(editable(policy));
  const [result, setResult] = useState<DryRun | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = () => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`The policy is not JSON: ${(err as Error).message}`, { cause: err });
    }
  };
  const run = async (body: () => unknown) => {
    setError(null);
    setSaved(null);
    setBusy(true);
    try {
      setResult(await api<DryRun>('POST', '/api/v1/policies/dry-run', body()));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const save = async () => {
    setError(null);
    setBusy(true);
    try {
      const res = await api<{ jobId: string }>('PATCH', `/api/v1/policies/${enc(policy.id)}`, {
        ...parsed(),
        version: policy.version,
      });
      setSaved(res.jobId);
      onSaved();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="dry-run">
      <h2 id="dry-run">Dry run</h2>
      <p class="muted">
        What this policy, as edited below, or its removal would raise and resolve now. Nothing is
        saved.
      </p>
      <form class="form" onSubmit={(e) => e.preventDefault()} aria-label="Dry run the policy">
        <label>
          Policy (enabled, severity, scope, rule as JSON)
          <textarea
            rows={10}
            spellcheck={false}
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <div class="actions">
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => ({ id: policy.id, policy: parsed() }))}
          >
            Dry run this version
          </button>
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => void run(() => ({ id: policy.id, remove: true }))}
          >
            Dry run its removal
          </button>
          {can('PATCH /api/v1/policies/:id') && (
            <button type="button" class="danger" disabled={busy} onClick={() => void save()}>
              Save as version {policy.version + 1}
            </button>
          )}
        </div>
      </form>
      <ErrorBox error={error} />
      {saved && (
        <p role="status" class="notice">
          Saved; its evaluation is <a href={`/jobs/${enc(saved)}`}>job {saved}</a>.
        </p>
      )}
      {result && (
        <div data-testid="dry-run-result">
          <p role="status">
            {result.hosts} hosts read, {result.findings} findings: {result.wouldRaise.count} would
            be raised, {result.wouldResolve.count} resolved, {result.unchanged} unchanged.
          </p>
          <DryRunList title="Would be raised" part={result.wouldRaise} />
          <DryRunList title="Would be resolved" part={result.wouldResolve} />
        </div>
      )}
    </section>
  );
}

function PolicyPage({ params }: PageProps) {
  const id = params.id ?? '';
  const policy = useApi<Policy>(`/api/v1/policies/${enc(id)}`);
  const p = policy.data;
  return (
    <>
      <PageTitle title={p ? `Policy ${p.name}` : 'Policy'} />
      {policy.loading && <Loading what="the policy" />}
      <ErrorBox error={policy.error} />
      {p && (
        <>
          <dl class="facts">
            <dt>Id</dt>
            <dd>
              <code>{p.id}</code>
            </dd>
            <dt>What it checks</dt>
            <dd>{p.explanation ?? p.description}</dd>
            <dt>Severity</dt>
            <dd>
              <State state={p.severity} />
            </dd>
            <dt>Enabled</dt>
            <dd>{p.enabled ? 'yes' : 'no'}</dd>
            <dt>Version</dt>
            <dd>
              {p.version}, <Time ms={p.updatedAt} /> by {p.updatedBy}
            </dd>
          </dl>
          <Violations id={p.id} />
          <PolicyTry key={p.version} policy={p} onSaved={policy.reload} />
        </>
      )}
    </>
  );
}

export const section: Section = {
  id: 'policies',
  title: 'Policies',
  navOrder: 45,
  path: '/policies',
  reads: 'GET /api/v1/policies',
  pages: [
    { pattern: '/policies', component: PoliciesList },
    { pattern: '/policies/:id', component: PolicyPage },
  ],
};
