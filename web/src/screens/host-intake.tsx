/**
 * Bringing many hosts in at once: a CSV import (batch-import-processing) or a scan of a
 * network range (device-discovery). Each is a job: the console opens its page, where its
 * progress and children show live.
 */
import { useState } from 'preact/hooks';
import { api } from '../api';
import { navigate } from '../router';
import { enc, ErrorBox } from '../ui/bits';

export function ImportHosts({ onCancel }: { onCancel: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    try {
      const res = await api<{ jobId: string }>('POST', '/api/v1/hosts/imports', {
        csv: await file.text(),
        fileName: file.name,
      });
      navigate(`/jobs/${enc(res.jobId)}`);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="Import hosts from a CSV file">
      <h2>Import hosts from a CSV file</h2>
      <label>
        CSV file (columns as in docs/agentless.md; credentials are sealed at once)
        <input
          type="file"
          accept=".csv,text/csv"
          required
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
        />
      </label>
      <div class="actions">
        <button type="submit">Import</button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

export function ScanRange({ onCancel }: { onCancel: () => void }) {
  const [cidr, setCidr] = useState('');
  const [ports, setPorts] = useState('22');
  const [account, setAccount] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      cidr: cidr.trim(),
      ports: ports
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number),
    };
    if (account.trim()) body.managementAccount = account.trim();
    if (password) body.password = password;
    try {
      const res = await api<{ jobId: string }>('POST', '/api/v1/hosts/discoveries', body);
      navigate(`/jobs/${enc(res.jobId)}`);
    } catch (err) {
      setError(err as Error);
    }
  };
  const text = (set: (v: string) => void) => (e: Event) =>
    set((e.target as HTMLInputElement).value);
  return (
    <form class="card form" onSubmit={submit} aria-label="Scan a network range">
      <h2>Scan a network range for SSH servers</h2>
      <div class="grid">
        <label>
          Range (CIDR)
          <input required value={cidr} placeholder="192.0.2.0/24" onInput={text(setCidr)} />
        </label>
        <label>
          Ports
          <input value={ports} onInput={text(setPorts)} />
        </label>
        <label>
          Management account (optional)
          <input value={account} onInput={text(setAccount)} />
        </label>
        <label>
          Initial password (optional)
          <input type="password" autocomplete="off" value={password} onInput={text(setPassword)} />
        </label>
      </div>
      <div class="actions">
        <button type="submit">Scan</button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}
