/**
 * Keys across the fleet: a search done by the server (`q`: the start of a SHA256
 * fingerprint, or text in a comment; a whole fingerprint opens the key), and a key's page with every line authorizing it and every file storing its
 * private half.
 */
import { useState } from 'preact/hooks';
import { qs, type Page } from '../api';
import { navigate } from '../router';
import type { PageProps, Section } from '../sections';
import { useSession } from '../session';
import { enc, ErrorBox, Loading, PageTitle, Time } from '../ui/bits';
import { useDebounced } from '../ui/debounced';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

interface KeySummary {
  fingerprint: string;
  type: string | null;
  bits: number | null;
  comment: string | null;
  authorized: { lines: number; hosts: number };
  stored: { files: number; hosts: number };
  firstSeenAt: number | null;
  blacklisted: boolean;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

function KeysList({ query }: PageProps) {
  const [type, setType] = useState(query.get('type') ?? '');
  const [search, setSearch] = useState(query.get('q') ?? '');
  const q = useDebounced(search.trim().slice(0, 100));
  const paged = usePaged<KeySummary>(`/api/v1/keys${qs({ q, type, limit: 200 })}`);
  const shown = paged.items;
  const submit = (e: Event) => {
    e.preventDefault();
    if (FINGERPRINT.test(search.trim())) navigate(`/keys/${enc(search.trim())}`);
  };
  return (
    <>
      <PageTitle title="Keys" />
      <form class="filters" onSubmit={submit} aria-label="Search keys">
        <label>
          Fingerprint or comment
          <input
            type="search"
            value={search}
            maxLength={100}
            placeholder="SHA256:… or a comment"
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {[
              'ssh-ed25519',
              'ssh-rsa',
              'ecdsa-sha2-nistp256',
              'ecdsa-sha2-nistp384',
              'ssh-dss',
            ].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <button type="submit">Open key</button>
      </form>
      <table>
        <caption>
          {shown.length} keys{q ? ` matching "${q}"` : ''}
          {paged.more ? ' (more to load)' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Fingerprint</th>
            <th scope="col">Type</th>
            <th scope="col">Comment</th>
            <th scope="col">Opens</th>
            <th scope="col">Stored</th>
            <th scope="col">First seen</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((k) => (
            <tr key={k.fingerprint}>
              <td>
                <a href={`/keys/${enc(k.fingerprint)}`}>
                  <code>{k.fingerprint}</code>
                </a>
                {k.blacklisted && <span class="state state-failed"> blacklisted</span>}
              </td>
              <td>
                {k.type ?? '?'} {k.bits ?? ''}
              </td>
              <td>{k.comment ?? '—'}</td>
              <td>
                {k.authorized.lines} lines on {k.authorized.hosts} hosts
              </td>
              <td>
                {k.stored.files} files on {k.stored.hosts} hosts
              </td>
              <td>
                <Time ms={k.firstSeenAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="keys" count={shown.length} />
    </>
  );
}

interface KeyDetail extends KeySummary {
  authorizedKeys: Page<{
    id: string;
    hostId: string;
    account: string;
    file: string;
    line: number;
    managed: boolean;
    lastUsed: { at: number; from: string } | null;
  }>;
  privateKeys: Page<{
    id: string;
    hostId: string;
    account: string | null;
    path: string;
    encrypted: boolean;
    mode: string;
  }>;
  usage: Page<{ hostId: string; account: string; from: string; lastUsedAt: number; count: number }>;
}

function KeyPage({ params }: PageProps) {
  const fp = params.fingerprint as string;
  const { can } = useSession();
  const key = useApi<KeyDetail>(`/api/v1/keys/${enc(fp)}?limit=500`);
  if (key.loading) return <Loading what="key" />;
  if (!key.data) return <ErrorBox error={key.error} />;
  const k = key.data;
  const more = (p: Page<unknown>) =>
    p.items.length === 0 ? (
      <p class="muted">None found by the scans so far.</p>
    ) : p.nextCursor ? (
      <p class="muted">More than shown: see the API for the next pages.</p>
    ) : null;
  return (
    <>
      <PageTitle title={`Key ${k.comment ?? ''}`.trim()}>
        <p>
          <code>{k.fingerprint}</code> {k.type} {k.bits}
          {k.blacklisted && <span class="state state-failed"> blacklisted</span>}
        </p>
        {can('GET /api/v1/access/key-reach') && (
          <a href={`/access?fingerprint=${enc(k.fingerprint)}`}>
            Where this key goes (access graph)
          </a>
        )}
      </PageTitle>
      <section class="card" aria-labelledby="opens">
        <h2 id="opens">Where it opens ({k.authorizedKeys.items.length})</h2>
        <table>
          <caption>authorized_keys lines with this key</caption>
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Account</th>
              <th scope="col">File:line</th>
              <th scope="col">Managed</th>
              <th scope="col">Last use</th>
            </tr>
          </thead>
          <tbody>
            {k.authorizedKeys.items.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={`/hosts/${enc(a.hostId)}`}>{a.hostId}</a>
                </td>
                <td>{a.account}</td>
                <td>
                  {a.file}:{a.line}
                </td>
                <td>{a.managed ? 'managed' : 'foreign'}</td>
                <td>
                  {a.lastUsed ? (
                    <>
                      <Time ms={a.lastUsed.at} /> from {a.lastUsed.from}
                    </>
                  ) : (
                    'never seen'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {more(k.authorizedKeys)}
      </section>
      <section class="card" aria-labelledby="stored">
        <h2 id="stored">Where its private half is stored ({k.privateKeys.items.length})</h2>
        <table>
          <caption>Files holding the private key</caption>
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Path</th>
              <th scope="col">Account</th>
              <th scope="col">Encrypted</th>
              <th scope="col">Mode</th>
            </tr>
          </thead>
          <tbody>
            {k.privateKeys.items.map((p) => (
              <tr key={p.id}>
                <td>
                  <a href={`/hosts/${enc(p.hostId)}`}>{p.hostId}</a>
                </td>
                <td>{p.path}</td>
                <td>{p.account ?? '—'}</td>
                <td>{p.encrypted ? 'yes' : 'no'}</td>
                <td>{p.mode}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {more(k.privateKeys)}
      </section>
    </>
  );
}

export const section: Section = {
  id: 'keys',
  title: 'Keys',
  navOrder: 30,
  path: '/keys',
  reads: 'GET /api/v1/keys',
  pages: [
    { pattern: '/keys', component: KeysList },
    { pattern: '/keys/:fingerprint', component: KeyPage },
  ],
};
