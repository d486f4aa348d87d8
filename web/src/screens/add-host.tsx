/**
 * Adds an agentless host (POST /api/v1/hosts) and opens its page, where its discovery
 * shows live. The password or private key goes to the API once and is never shown again.
 */
import { useState } from 'preact/hooks';
import { api } from '../api';
import { navigate } from '../router';
import type { Host } from '../types';
import { enc, ErrorBox } from '../ui/bits';

const FIELDS: [
  name: string,
  label: string,
  type: 'text' | 'number' | 'password',
  required: boolean,
][] = [
  ['address', 'Address (name or IP)', 'text', true],
  ['port', 'SSH port', 'number', false],
  ['name', 'Name (default: the address)', 'text', false],
  ['managementAccount', 'Management account', 'text', true],
  ['password', 'Initial password', 'password', false],
  ['hostKeyFingerprint', 'Expected host key (SHA256:…)', 'text', false],
];

export function AddHost({ onCancel }: { onCancel: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: Event) =>
    setValues((v) => ({ ...v, [k]: (e.target as HTMLInputElement).value }));
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values))
      if (v.trim() !== '') body[k] = k === 'port' ? Number(v) : k === 'privateKey' ? v : v.trim();
    try {
      const res = await api<{ host: Host }>('POST', '/api/v1/hosts', body);
      navigate(`/hosts/${enc(res.host.id)}`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-label="Add an agentless host">
      <h2>Add an agentless host</h2>
      <div class="grid">
        {FIELDS.map(([k, label, type, required]) => (
          <label key={k}>
            {label}
            {type === 'password' ? (
              <input
                name={k}
                type="password"
                autocomplete="off"
                value={values[k] ?? ''}
                onInput={set(k)}
              />
            ) : type === 'number' ? (
              <input
                name={k}
                type="number"
                min={1}
                max={65535}
                value={values[k] ?? ''}
                onInput={set(k)}
              />
            ) : (
              <input
                name={k}
                type="text"
                required={required}
                value={values[k] ?? ''}
                onInput={set(k)}
              />
            )}
          </label>
        ))}
      </div>
      <label>
        Initial private key (instead of a password; OpenSSH or PEM, unencrypted)
        <textarea
          name="privateKey"
          rows={3}
          value={values.privateKey ?? ''}
          onInput={set('privateKey')}
        />
      </label>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Add and discover
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}
