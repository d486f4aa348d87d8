/** A table of jobs, each linking to its page. */
import type { Job } from '../types';
import { enc, State, Time } from './bits';

export function progressText(p: unknown): string {
  if (p === null || p === undefined) return '';
  if (typeof p === 'object') {
    const o = p as Record<string, unknown>;
    if (typeof o.done === 'number' && typeof o.total === 'number') return `${o.done}/${o.total}`;
    if (typeof o.message === 'string') return o.message;
  }
  return JSON.stringify(p).slice(0, 80);
}

export function JobsTable({ jobs, caption }: { jobs: Job[]; caption: string }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">State</th>
          <th scope="col">Progress</th>
          <th scope="col">Trigger</th>
          <th scope="col">Created</th>
          <th scope="col">Finished</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => (
          <tr key={j.id} data-job-type={j.type} data-job-state={j.state}>
            <td>
              <a href={`/jobs/${enc(j.id)}`}>{j.type}</a>
            </td>
            <td>
              <State state={j.state} />
              {j.error && <div class="muted small">{j.error.message}</div>}
            </td>
            <td>{progressText(j.progress)}</td>
            <td>{j.trigger}</td>
            <td>
              <Time ms={j.createdAt} />
            </td>
            <td>
              <Time ms={j.finishedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
