/**
 * Applications: named sets of hosts and accounts defined by association rules (host group,
 * host name and account wildcards), and each one's members as the last computation found
 * them. Read here; defining one is `keywarden applications` or the API.
 */
import type { PageProps, Section } from '../sections';
import { enc, ErrorBox, Loading, PageTitle, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

interface Rule {
  groupId?: string;
  hostPattern?: string;
  accountPattern?: string;
}
interface Application {
  id: string;
  name: string;
  description: string;
  rules: Rule[];
  membersComputedAt: number | null;
}

const ruleText = (r: Rule) =>
  [
    r.groupId && `group ${r.groupId}`,
    r.hostPattern && `hosts ${r.hostPattern}`,
    r.accountPattern && `accounts ${r.accountPattern}`,
  ]
    .filter(Boolean)
    .join(', ') || 'every host';

function ApplicationsList() {
  const list = useApi<{ items: Application[] }>('/api/v1/applications');
  return (
    <>
      <PageTitle title="Applications" />
      {list.loading && <Loading what="applications" />}
      <ErrorBox error={list.error} />
      {list.data && (
        <table>
          <caption>{list.data.items.length} applications, by name</caption>
          <thead>
            <tr>
              <th scope="col">Application</th>
              <th scope="col">Rules (any of)</th>
              <th scope="col">Members computed</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={`/applications/${enc(a.id)}`}>{a.name}</a>
                  {a.description && <div class="muted small">{a.description}</div>}
                </td>
                <td>{a.rules.map(ruleText).join('; ')}</td>
                <td>
                  <Time ms={a.membersComputedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.items.length === 0 && <p class="muted">No applications defined.</p>}
    </>
  );
}

function ApplicationPage({ params }: PageProps) {
  const id = params.id ?? '';
  const app = useApi<Application>(`/api/v1/applications/${enc(id)}`);
  const members = usePaged<{ hostId: string; account: string | null }>(
    `/api/v1/applications/${enc(id)}/members?limit=200`,
  );
  const a = app.data;
  return (
    <>
      <PageTitle title={a ? `Application ${a.name}` : 'Application'} />
      {app.loading && <Loading what="the application" />}
      <ErrorBox error={app.error} />
      {a && (
        <dl class="facts">
          <dt>Rules (any of)</dt>
          <dd>{a.rules.map(ruleText).join('; ')}</dd>
          <dt>Members computed</dt>
          <dd>
            <Time ms={a.membersComputedAt} />
          </dd>
        </dl>
      )}
      <table>
        <caption>Members, by host then account</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Account</th>
          </tr>
        </thead>
        <tbody>
          {members.items.map((m) => (
            <tr key={`${m.hostId}|${m.account ?? ''}`}>
              <td>
                <a href={`/hosts/${enc(m.hostId)}`}>{m.hostId}</a>
              </td>
              <td>{m.account ?? <span class="muted">the whole host</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={members} what="members" count={members.items.length} />
    </>
  );
}

export const section: Section = {
  id: 'applications',
  title: 'Applications',
  navOrder: 25,
  path: '/applications',
  reads: 'GET /api/v1/applications',
  pages: [
    { pattern: '/applications', component: ApplicationsList },
    { pattern: '/applications/:id', component: ApplicationPage },
  ],
};
