/** The audit log, newest first, filtered by action and subject. */
import { useState } from 'preact/hooks';
import { qs } from '../api';
import type { PageProps, Section } from '../sections';
import { PageTitle, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';

interface Entry {
  id: string;
  at: number;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

function AuditLog({ query }: PageProps) {
  const [action, setAction] = useState(query.get('action') ?? '');
  const [subject, setSubject] = useState(query.get('subject') ?? '');
  const paged = usePaged<Entry>(`/api/v1/audit${qs({ action, subject, limit: 100 })}`);
  return (
    <>
      <PageTitle title="Audit log" />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter the audit log">
        <label>
          Action
          <input
            value={action}
            placeholder="robot.update"
            onChange={(e) => setAction((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Subject
          <input
            value={subject}
            onChange={(e) => setSubject((e.target as HTMLInputElement).value)}
          />
        </label>
      </form>
      <table>
        <caption>Audit entries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Subject</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td>
                <Time ms={e.at} />
              </td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.subject}</td>
              <td>
                <code class="details">{JSON.stringify(e.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="audit entries" count={paged.items.length} />
    </>
  );
}

export const section: Section = {
  id: 'audit',
  title: 'Audit',
  navOrder: 90,
  path: '/audit',
  reads: 'GET /api/v1/audit',
  pages: [{ pattern: '/audit', component: AuditLog }],
};
