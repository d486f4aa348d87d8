/**
 * A host's history from the audit log (its subject is the host id): state changes, host
 * key pinned, mismatched and accepted, management keys installed and renewed.
 */
import { enc, Time } from '../ui/bits';
import { PagedFooter, usePaged } from '../ui/paged';

interface Entry {
  id: string;
  at: number;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export function HostHistory({ hostId }: { hostId: string }) {
  const paged = usePaged<Entry>(`/api/v1/audit?subject=${enc(hostId)}&limit=20`);
  return (
    <section class="card" aria-labelledby="host-history">
      <h2 id="host-history">State changes and host key</h2>
      <table>
        <caption>Audit entries about this host, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">By</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td>
                <Time ms={e.at} />
              </td>
              <td>{e.action}</td>
              <td>{e.actor}</td>
              <td>
                <code class="details">{JSON.stringify(e.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PagedFooter paged={paged} what="entries" count={paged.items.length} />
    </section>
  );
}
