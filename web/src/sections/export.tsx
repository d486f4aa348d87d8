/**
 * SIEM export: the sinks this controller runs (KEYWARDEN_EXPORT_SINKS), each one's state,
 * what it delivered since start, its acknowledged cursors and its last error. Read only:
 * sinks are configuration, not API data (docs/siem-export.md).
 */
import type { Section } from '../sections';
import { ErrorBox, Loading, PageTitle, State, Time } from '../ui/bits';
import { useApi } from '../ui/use-api';

interface Sink {
  id: string;
  url: string;
  format: string;
  feeds: string[];
  state: string;
  delivered: number;
  lastDeliveredAt: number | null;
  lastError: string | null;
  cursors: { alerts: string | null; audit: string | null };
}

function ExportSinks() {
  const sinks = useApi<{ items: Sink[] }>('/api/v1/export/sinks');
  return (
    <>
      <PageTitle title="SIEM export">
        <button type="button" class="secondary" onClick={sinks.reload}>
          Refresh
        </button>
      </PageTitle>
      {sinks.loading && <Loading what="export sinks" />}
      <ErrorBox error={sinks.error} />
      {sinks.data?.items.length === 0 && (
        <p class="muted">
          No export sink is configured on this controller (KEYWARDEN_EXPORT_SINKS, see
          docs/siem-export.md).
        </p>
      )}
      {sinks.data && sinks.data.items.length > 0 && (
        <table>
          <caption>Export sinks of this controller</caption>
          <thead>
            <tr>
              <th scope="col">Sink</th>
              <th scope="col">State</th>
              <th scope="col">Delivered since start</th>
              <th scope="col">Acknowledged up to</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {sinks.data.items.map((s) => (
              <tr key={s.id} data-sink={s.id}>
                <td>
                  <strong>{s.id}</strong>
                  <div class="muted small">
                    {s.format} to <code>{s.url}</code> ({s.feeds.join(', ')})
                  </div>
                </td>
                <td>
                  <State state={s.state} />
                </td>
                <td>
                  {s.delivered}, last <Time ms={s.lastDeliveredAt} />
                </td>
                <td class="small">
                  alerts <code>{s.cursors.alerts ?? '—'}</code>, audit{' '}
                  <code>{s.cursors.audit ?? '—'}</code>
                </td>
                <td>{s.lastError ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export const section: Section = {
  id: 'export',
  title: 'SIEM export',
  navOrder: 85,
  path: '/export',
  reads: 'GET /api/v1/export/sinks',
  pages: [{ pattern: '/export', component: ExportSinks }],
};
