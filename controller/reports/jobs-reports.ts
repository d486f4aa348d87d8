/**
 * The seed's three reports, read from the store so every controller shows the same:
 * tasks (jobs started by admins or events), processes (every started job, with its
 * parent and children) and in execution (robot instances running now).
 */
import type { JobState, JobRecord, JobTrigger } from '../store/records';
import type { JobFilter, Page, Store } from '../store/store';

export const TASK_TRIGGERS: JobTrigger[] = ['admin', 'event'];

type ListPage = { limit: number; after?: string };

export async function tasksReport(
  store: Pick<Store, 'jobs'>,
  filter: JobFilter,
  page: ListPage,
): Promise<Page<JobRecord>> {
  return store.jobs.list({ ...filter, trigger: TASK_TRIGGERS }, page);
}

export interface ProcessView {
  job: JobRecord;
  parent: { id: string; type: string; state: JobState } | null;
  children: Partial<Record<JobState, number>>;
}

export async function processesReport(
  store: Pick<Store, 'jobs'>,
  filter: JobFilter,
  page: ListPage,
): Promise<Page<ProcessView>> {
  const jobs = await store.jobs.list(filter, page);
  const parents = new Map<string, JobRecord | null>();
  const items = await Promise.all(
    jobs.items.map(async (job): Promise<ProcessView> => {
      let parent: JobRecord | null = null;
      if (job.parentId) {
        if (!parents.has(job.parentId))
          parents.set(job.parentId, await store.jobs.get(job.parentId));
        parent = parents.get(job.parentId) ?? null;
      }
      const counts = await store.jobs.countChildren(job.id);
      const children = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
      return {
        job,
        parent: parent ? { id: parent.id, type: parent.type, state: parent.state } : null,
        children,
      };
    }),
  );
  return { items, nextCursor: jobs.nextCursor };
}

export interface InExecutionView {
  jobId: string;
  type: string;
  robot: boolean;
  hostId: string | null;
  since: number | null;
  attempt: number;
  workerId: string | null;
  worker: { hostname: string; pid: number; heartbeatAt: number } | null;
  leaseUntil: number | null;
  cancelRequested: boolean;
  progress: unknown;
}

export async function inExecutionReport(
  store: Pick<Store, 'jobs' | 'workers' | 'robots'>,
  limit = 1000,
): Promise<InExecutionView[]> {
  const [running, workers, robots] = await Promise.all([
    store.jobs.list({ state: ['running'] }, { limit }),
    store.workers.list(),
    store.robots.list(),
  ]);
  const byId = new Map(workers.map((w) => [w.id, w]));
  const robotTypes = new Set(robots.map((r) => r.type));
  return running.items
    .filter((j) => !j.awaitingChildren)
    .map((j) => {
      const w = j.workerId ? byId.get(j.workerId) : undefined;
      return {
        jobId: j.id,
        type: j.type,
        robot: robotTypes.has(j.type),
        hostId: j.hostId,
        since: j.startedAt,
        attempt: j.attempts,
        workerId: j.workerId,
        worker: w ? { hostname: w.hostname, pid: w.pid, heartbeatAt: w.heartbeatAt } : null,
        leaseUntil: j.leaseUntil,
        cancelRequested: j.cancelRequested,
        progress: j.progress,
      };
    });
}
