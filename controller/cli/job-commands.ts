/** `keywarden jobs ...` and `keywarden reports ...`. */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { intOption, UsageError } from './option-values';
import { table, time } from './format';

export interface Output {
  data: unknown;
  human: string;
}

type Job = Record<string, unknown> & { id: string };
type JobPage = { items: Job[]; nextCursor: string | null };

const JOB_COLUMNS = ['id', 'type', 'state', 'trigger', 'host', 'created', 'finished', 'error'];
const jobRow = (j: Job) => ({
  ...j,
  host: j.hostId,
  created: time(j.createdAt),
  finished: time(j.finishedAt),
  error: (j.error as { code?: string } | null)?.code ?? null,
});
const more = (p: { nextCursor: string | null }) =>
  p.nextCursor ? `\nmore: --cursor ${p.nextCursor}` : '';

export function jobQuery(o: Options): string {
  const q = new URLSearchParams();
  for (const k of ['state', 'type', 'host', 'parent', 'since', 'until', 'cursor'] as const) {
    const v = o[k];
    if (v !== undefined) q.set(k, v);
  }
  const limit = intOption(o.limit, 'limit');
  if (limit !== undefined) q.set('limit', String(limit));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};

export async function jobsCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'list': {
      const page = await api.call<JobPage>('GET', `/api/v1/jobs${jobQuery(o)}`);
      return { data: page, human: table(page.items.map(jobRow), JOB_COLUMNS) + more(page) };
    }
    case 'show': {
      const job = await api.call<Job>(
        'GET',
        `/api/v1/jobs/${encodeURIComponent(need(args[0], 'job id'))}`,
      );
      return { data: job, human: JSON.stringify(job, null, 2) };
    }
    case 'run': {
      let params: unknown = {};
      if (o.params !== undefined) {
        try {
          params = JSON.parse(o.params);
        } catch {
          throw new UsageError(`--params: not valid JSON: ${o.params}`);
        }
      }
      const runAt = o.at === undefined ? undefined : Date.parse(o.at);
      if (runAt !== undefined && !Number.isFinite(runAt))
        throw new UsageError(`--at: not a date: ${o.at}`);
      const res = await api.call<{ job: Job; created: boolean }>('POST', '/api/v1/jobs', {
        type: need(args[0], 'job type'),
        params,
        hostId: o.host,
        priority: intOption(o.priority, 'priority'),
        runAt,
      });
      const verb = res.created ? 'queued' : 'already active';
      return {
        data: res,
        human: `${verb}: ${res.job.id} (${String(res.job.type)}, ${String(res.job.state)})`,
      };
    }
    case 'cancel':
    case 'retry': {
      const job = await api.call<Job>(
        'POST',
        `/api/v1/jobs/${encodeURIComponent(need(args[0], 'job id'))}/${sub}`,
      );
      const note =
        job.cancelRequested && job.state === 'running'
          ? ' (cancel requested; the worker stops it)'
          : '';
      return { data: job, human: `${job.id}: ${String(job.state)}${note}` };
    }
    default:
      throw new UsageError(
        `jobs: unknown command ${sub ?? '(none)'}; use list, show, run, cancel or retry`,
      );
  }
}

export async function reportsCommand(
  api: ApiClient,
  sub: string | undefined,
  o: Options,
): Promise<Output> {
  switch (sub) {
    case 'tasks': {
      const page = await api.call<JobPage>('GET', `/api/v1/reports/tasks${jobQuery(o)}`);
      return { data: page, human: table(page.items.map(jobRow), JOB_COLUMNS) + more(page) };
    }
    case 'processes': {
      type P = {
        job: Job;
        parent: { id: string; type: string } | null;
        children: Record<string, number>;
      };
      const page = await api.call<{ items: P[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/reports/processes${jobQuery(o)}`,
      );
      const rows = page.items.map((p) => ({
        ...jobRow(p.job),
        parent: p.parent ? `${p.parent.type} ${p.parent.id}` : null,
        children:
          Object.entries(p.children)
            .map(([s, n]) => `${s}:${n}`)
            .join(' ') || null,
      }));
      return {
        data: page,
        human:
          table(rows, ['id', 'type', 'state', 'trigger', 'created', 'parent', 'children']) +
          more(page),
      };
    }
    case 'running':
    case 'in-execution': {
      const res = await api.call<{ items: Array<Record<string, unknown>> }>(
        'GET',
        '/api/v1/reports/in-execution',
      );
      const rows = res.items.map((r) => ({
        ...r,
        job: r.jobId,
        since: time(r.since),
        worker: (r.worker as { hostname?: string } | null)?.hostname ?? r.workerId,
        lease: time(r.leaseUntil),
      }));
      return {
        data: res,
        human: table(rows, ['type', 'job', 'since', 'worker', 'lease', 'hostId']),
      };
    }
    default:
      throw new UsageError(
        `reports: unknown report ${sub ?? '(none)'}; use tasks, processes or running`,
      );
  }
}
