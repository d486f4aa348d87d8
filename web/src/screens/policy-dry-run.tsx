/**
 * A policy's dry run: its fields as JSON (enabled, severity, scope, rule), run as an edit
 * or as the policy's removal against the inventory now (POST /policies/dry-run saves
 * nothing, so any role may try it); an admin may save the edit as the next version.
 */
import { useState } from 'preact/hooks';
import { api } from '../api';
import { useSession } from '../session';
import { enc, ErrorBox, State } from '../ui/bits';

export interface Policy {
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

export function PolicyTry({ policy, onSaved }: { policy: Policy; onSaved: () => void }) {
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
