/** A host's inventory as its last scans found it, one list at a time. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useSession } from '../session';
import { enc, ErrorBox, Loading, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

type Row = Record<string, unknown>;
type Column = [label: string, cell: (r: Row) => ComponentChildren];

const text =
  (k: string): Column[1] =>
  (r) =>
    String(r[k] ?? '—');
const keyLink = (r: Row) =>
  typeof r.fingerprint === 'string' ? (
    <a href={`/keys/${enc(r.fingerprint)}`}>
      <code>{r.fingerprint}</code>
    </a>
  ) : (
    '—'
  );
const optionsOf = (r: Row) =>
  ((r.options as { name: string; value?: string }[] | undefined) ?? [])
    .map((o) => (o.value === undefined ? o.name : `${o.name}="${o.value}"`))
    .join(',') || '—';
const lastUse = (r: Row) => {
  const u = r.lastUsed as { at: number; from: string } | null;
  return u ? (
    <>
      <Time ms={u.at} /> from {u.from}
    </>
  ) : (
    'never seen'
  );
};

const LISTS: { id: string; title: string; path: string; columns: Column[] }[] = [
  {
    id: 'accounts',
    title: 'Accounts',
    path: 'accounts',
    columns: [
      ['Account', text('account')],
      ['UID', text('uid')],
      ['Home', text('home')],
      ['Shell', text('shell')],
      ['Groups', (r) => ((r.groups as string[]) ?? []).join(', ')],
    ],
  },
  {
    id: 'authorized-keys',
    title: 'Authorized keys',
    path: 'authorized-keys',
    columns: [
      ['Account', text('account')],
      ['Key', keyLink],
      ['Type', (r) => `${String(r.type)} ${String(r.bits)}`],
      ['Comment', text('comment')],
      ['File:line', (r) => `${String(r.file)}:${String(r.line)}`],
      ['Options', optionsOf],
      ['Managed', (r) => (r.managed ? 'managed' : 'foreign')],
      ['Last use', lastUse],
    ],
  },
  {
    id: 'private-keys',
    title: 'Private keys',
    path: 'private-keys',
    columns: [
      ['Path', text('path')],
      ['Account', text('account')],
      ['Key', keyLink],
      ['Type', (r) => `${String(r.type ?? '?')} ${String(r.bits ?? '')}`],
      ['Encrypted', (r) => (r.encrypted ? 'yes' : 'no')],
      ['Mode', text('mode')],
    ],
  },
  {
    id: 'host-keys',
    title: 'Host keys',
    path: 'host-keys',
    columns: [
      ['Path', text('path')],
      ['Fingerprint', (r) => <code>{String(r.fingerprint ?? r.error ?? '—')}</code>],
      ['Type', (r) => `${String(r.type ?? '?')} ${String(r.bits ?? '')}`],
    ],
  },
  {
    id: 'key-usage',
    title: 'Key usage',
    path: 'key-usage',
    columns: [
      ['Account', text('account')],
      ['Key', keyLink],
      ['From', text('from')],
      ['Logins', text('count')],
      ['Last', (r) => <Time ms={r.lastUsedAt as number} />],
    ],
  },
];

export function HostInventory({ hostId }: { hostId: string }) {
  const { can } = useSession();
  const [shown, setShown] = useState('accounts');
  const lists = [
    ...LISTS.filter((l) => can(`GET /api/v1/hosts/:id/${l.path}`)),
    { id: 'sshd', title: 'sshd settings', path: 'sshd-settings', columns: [] },
  ];
  const current = lists.find((l) => l.id === shown) ?? lists[0];
  return (
    <section class="card" aria-labelledby="inventory">
      <h2 id="inventory">Inventory</h2>
      <div class="toggles" role="group" aria-label="Inventory list">
        {lists.map((l) => (
          <button
            type="button"
            key={l.id}
            aria-pressed={l.id === current?.id}
            onClick={() => setShown(l.id)}
          >
            {l.title}
          </button>
        ))}
      </div>
      {current?.id === 'sshd' ? (
        <SshdSettings hostId={hostId} />
      ) : current ? (
        <InventoryList key={current.id} hostId={hostId} list={current} />
      ) : null}
    </section>
  );
}

function InventoryList({ hostId, list }: { hostId: string; list: (typeof LISTS)[number] }) {
  const paged = usePaged<Row>(`/api/v1/hosts/${enc(hostId)}/${list.path}?limit=200`);
  return (
    <>
      <table>
        <caption>{list.title}</caption>
        <thead>
          <tr>
            {list.columns.map(([label]) => (
              <th scope="col" key={label}>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {paged.items.map((r, i) => (
            <tr key={String(r.id ?? i)}>
              {list.columns.map(([label, cell]) => (
                <td key={label}>{cell(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what={list.title.toLowerCase()} count={paged.items.length} />
    </>
  );
}

interface Sshd {
  scannedAt: number;
  sshdConfigPath: string;
  settings: { keyword: string; values: string[]; file: string; line?: number }[];
  errors: { file: string; line: number; message: string }[];
}

function SshdSettings({ hostId }: { hostId: string }) {
  const s = useApi<Sshd>(`/api/v1/hosts/${enc(hostId)}/sshd-settings`);
  if (s.loading) return <Loading what="sshd settings" />;
  if (!s.data) return <ErrorBox error={s.error} />;
  return (
    <>
      <p class="muted">
        {s.data.sshdConfigPath}, read <Time ms={s.data.scannedAt} />
      </p>
      {s.data.errors.map((e) => (
        <p class="error" key={`${e.file}:${e.line}`}>
          {e.file}:{e.line}: {e.message}
        </p>
      ))}
      <table>
        <caption>Effective sshd settings</caption>
        <thead>
          <tr>
            <th scope="col">Keyword</th>
            <th scope="col">Values</th>
            <th scope="col">From</th>
          </tr>
        </thead>
        <tbody>
          {s.data.settings.map((x, i) => (
            <tr key={i}>
              <td>{x.keyword}</td>
              <td>
                <code>{x.values.join(' ')}</code>
              </td>
              <td>
                {x.file}
                {x.line ? `:${x.line}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
