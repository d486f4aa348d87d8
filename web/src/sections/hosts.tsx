/**
 * Hosts: the list with filters and a search done by the server (`q`: name, address, id,
 * OS), adding an agentless host, and a host's page.
 */
import { useState } from 'preact/hooks';
import { qs, type Page } from '../api';
import type { PageProps, Section } from '../sections';
import { useSession } from '../session';
import { AddHost } from '../screens/add-host';
import { HostPage } from '../screens/host-page';
import { ImportHosts, ScanRange } from '../screens/host-intake';
import { HOST_STATES, type Host } from '../types';
import { enc, PageTitle, State, Time } from '../ui/bits';
import { useDebounced } from '../ui/debounced';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

function HostsList({ query }: PageProps) {
  const { can } = useSession();
  const [state, setState] = useState(query.get('state') ?? '');
  const [kind, setKind] = useState(query.get('kind') ?? '');
  const [group, setGroup] = useState(query.get('group') ?? '');
  const [search, setSearch] = useState(query.get('q') ?? '');
  const q = useDebounced(search.trim().slice(0, 100));
  const [opened, setOpened] = useState<'add' | 'import' | 'scan' | null>(null);
  const toggle = (which: 'add' | 'import' | 'scan') => setOpened(opened === which ? null : which);
  const close = () => setOpened(null);
  const groups = useApi<Page<{ id: string; name: string }>>(
    can('GET /api/v1/host-groups') ? '/api/v1/host-groups?limit=500' : null,
  );
  const paged = usePaged<Host>(`/api/v1/hosts${qs({ q, state, kind, group, limit: 200 })}`);
  const shown = paged.items;
  return (
    <>
      <PageTitle title="Hosts">
        {can('POST /api/v1/hosts') && (
          <button type="button" onClick={() => toggle('add')} aria-expanded={opened === 'add'}>
            Add host
          </button>
        )}
        {can('POST /api/v1/hosts/imports') && (
          <button
            type="button"
            onClick={() => toggle('import')}
            aria-expanded={opened === 'import'}
          >
            Import CSV
          </button>
        )}
        {can('POST /api/v1/hosts/discoveries') && (
          <button type="button" onClick={() => toggle('scan')} aria-expanded={opened === 'scan'}>
            Scan a range
          </button>
        )}
      </PageTitle>
      {opened === 'add' && <AddHost onCancel={close} />}
      {opened === 'import' && <ImportHosts onCancel={close} />}
      {opened === 'scan' && <ScanRange onCancel={close} />}
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter hosts">
        <label>
          Search
          <input
            type="search"
            value={search}
            maxLength={100}
            placeholder="name, address, id, OS"
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {HOST_STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            <option>agent</option>
            <option>agentless</option>
          </select>
        </label>
        {groups.data && (
          <label>
            Group
            <select value={group} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)}>
              <option value="">any</option>
              {groups.data.items.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </form>
      <table>
        <caption>
          {shown.length} hosts{q ? ` matching "${q}"` : ''}
          {paged.more ? ' (more to load)' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Address</th>
            <th scope="col">Kind</th>
            <th scope="col">State</th>
            <th scope="col">Group</th>
            <th scope="col">OS</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((h) => (
            <tr key={h.id}>
              <td>
                <a href={`/hosts/${enc(h.id)}`}>{h.name}</a>
              </td>
              <td>
                {h.address}:{h.port}
              </td>
              <td>{h.kind}</td>
              <td>
                <State state={h.state} />
              </td>
              <td>{h.groupId ?? '—'}</td>
              <td>{h.os ?? '—'}</td>
              <td>
                <Time ms={h.lastSeenAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="hosts" count={shown.length} />
    </>
  );
}

export const section: Section = {
  id: 'hosts',
  title: 'Hosts',
  navOrder: 20,
  path: '/hosts',
  reads: 'GET /api/v1/hosts',
  pages: [
    { pattern: '/hosts', component: HostsList },
    { pattern: '/hosts/:id', component: HostPage },
  ],
};
