/**
 * Policies: the rules that turn the inventory into alerts. The list, and a policy's page
 * with its violations now (GET /policies/:id/violations) and a dry run of an edit or of
 * its removal, which anyone who may read may try: nothing is saved. Saving the edit is an
 * admin's (PATCH), and only then is the button drawn.
 */
import type { PageProps, Section } from '../sections';
import { type Policy, PolicyTry } from '../screens/policy-dry-run';
import { enc, ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';
import { useApi } from '../ui/use-api';

interface Violation {
  id: string;
  state: string;
  subject: string;
  message: string;
  context: { hostId?: string; hostName?: string; account?: string; fingerprint?: string };
  createdAt: number;
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
