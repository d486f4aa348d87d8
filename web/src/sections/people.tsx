/**
 * People and access groups, read: who the directory sync (ldap-sync) knows, their keys and
 * groups, the grants access groups made for their keys, and the access groups themselves
 * (directory group → host group as account). Changes stay with the directory and the API.
 */
import { useState } from 'preact/hooks';
import { qs } from '../api';
import type { PageProps, Section } from '../sections';
import { enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { useApi } from '../ui/use-api';

interface Person {
  id: string;
  uid: string;
  name: string;
  email: string | null;
  dn: string;
  state: string;
  keys: { fingerprint: string; source: string }[];
  groups: string[];
  leftAt: number | null;
}
interface Grant {
  id: string;
  accessGroupId: string;
  fingerprint: string;
  authorizationId: string;
  createdAt: number;
}
interface AccessGroup {
  id: string;
  directoryGroup: string;
  hostGroupId: string;
  account: string;
  options: { name: string; value?: string }[];
  createdBy: string;
  createdAt: number;
}

function Tabs({ current }: { current: 'people' | 'access-groups' }) {
  return (
    <nav aria-label="People and groups" class="toggles">
      <a href="/people" aria-current={current === 'people' ? 'page' : undefined}>
        People
      </a>
      <a href="/access-groups" aria-current={current === 'access-groups' ? 'page' : undefined}>
        Access groups
      </a>
    </nav>
  );
}

function PeopleList({ query }: PageProps) {
  const [state, setState] = useState(query.get('state') ?? 'active');
  const people = useApi<{ items: Person[] }>(`/api/v1/people${qs({ state })}`);
  return (
    <>
      <PageTitle title="People" />
      <Tabs current="people" />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter people">
        <label>
          State
          <select value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            <option>active</option>
            <option>left</option>
          </select>
        </label>
      </form>
      {people.loading && <Loading what="people" />}
      <ErrorBox error={people.error} />
      {people.data && (
        <table>
          <caption>{people.data.items.length} people from the directory, by name</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Login</th>
              <th scope="col">Email</th>
              <th scope="col">State</th>
              <th scope="col">Keys</th>
              <th scope="col">Directory groups</th>
            </tr>
          </thead>
          <tbody>
            {people.data.items.map((p) => (
              <tr key={p.id}>
                <td>
                  <a href={`/people/${enc(p.id)}`}>{p.name}</a>
                </td>
                <td>{p.uid}</td>
                <td>{p.email ?? '—'}</td>
                <td>
                  <State state={p.state} />
                </td>
                <td>{p.keys.length}</td>
                <td>{p.groups.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function PersonPage({ params }: PageProps) {
  const got = useApi<{ person: Person; grants: Grant[] }>(`/api/v1/people/${enc(params.id ?? '')}`);
  const p = got.data?.person;
  return (
    <>
      <PageTitle title={p ? `Person ${p.name}` : 'Person'} />
      {got.loading && <Loading what="the person" />}
      <ErrorBox error={got.error} />
      {p && got.data && (
        <>
          <dl class="facts">
            <dt>Login</dt>
            <dd>{p.uid}</dd>
            <dt>Directory entry</dt>
            <dd>
              <code>{p.dn}</code>
            </dd>
            <dt>State</dt>
            <dd>
              <State state={p.state} /> {p.leftAt !== null && <Time ms={p.leftAt} />}
            </dd>
            <dt>Directory groups</dt>
            <dd>{p.groups.join(', ') || '—'}</dd>
          </dl>
          <table>
            <caption>Keys</caption>
            <thead>
              <tr>
                <th scope="col">Fingerprint</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {p.keys.map((k) => (
                <tr key={k.fingerprint}>
                  <td>
                    <a href={`/keys/${enc(k.fingerprint)}`}>
                      <code>{k.fingerprint}</code>
                    </a>
                  </td>
                  <td>{k.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption>Grants made by access groups</caption>
            <thead>
              <tr>
                <th scope="col">Access group</th>
                <th scope="col">Key</th>
                <th scope="col">Authorization</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {got.data.grants.map((g) => (
                <tr key={g.id}>
                  <td>{g.accessGroupId}</td>
                  <td>
                    <code>{g.fingerprint}</code>
                  </td>
                  <td>
                    <code>{g.authorizationId}</code>
                  </td>
                  <td>
                    <Time ms={g.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function AccessGroups() {
  const groups = useApi<{ items: AccessGroup[] }>('/api/v1/access-groups');
  return (
    <>
      <PageTitle title="Access groups" />
      <Tabs current="access-groups" />
      {groups.loading && <Loading what="access groups" />}
      <ErrorBox error={groups.error} />
      {groups.data && (
        <table>
          <caption>Directory groups whose members' keys are granted on a host group</caption>
          <thead>
            <tr>
              <th scope="col">Access group</th>
              <th scope="col">Directory group</th>
              <th scope="col">Hosts</th>
              <th scope="col">As account</th>
              <th scope="col">Options</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {groups.data.items.map((g) => (
              <tr key={g.id} data-access-group={g.id}>
                <td>{g.id}</td>
                <td>{g.directoryGroup}</td>
                <td>group {g.hostGroupId}</td>
                <td>{g.account}</td>
                <td>
                  <code>
                    {g.options
                      .map((o) => (o.value === undefined ? o.name : `${o.name}="${o.value}"`))
                      .join(',') || '—'}
                  </code>
                </td>
                <td>
                  <Time ms={g.createdAt} /> <span class="muted small">by {g.createdBy}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export const section: Section = {
  id: 'people',
  title: 'People',
  navOrder: 35,
  path: '/people',
  reads: 'GET /api/v1/people',
  pages: [
    { pattern: '/people', component: PeopleList },
    { pattern: '/people/:id', component: PersonPage },
    { pattern: '/access-groups', component: AccessGroups },
  ],
};
