/** /api/v1/reports: tasks, processes, in execution, and the latest statistics. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { inExecutionReport, processesReport, tasksReport } from '../reports/jobs-reports';
import type { RequireRole } from './auth';
import { JobListQuery, jobFilter } from './jobs-routes';
import { Job, Nullable, Page, errors } from './schemas';

const Process = Type.Object({
  job: Job,
  parent: Nullable(Type.Object({ id: Type.String(), type: Type.String(), state: Type.String() })),
  children: Type.Record(Type.String(), Type.Integer(), { description: 'child jobs by state' }),
});

const InExecution = Type.Object({
  jobId: Type.String(),
  type: Type.String(),
  robot: Type.Boolean(),
  hostId: Nullable(Type.String()),
  since: Nullable(Type.Integer()),
  attempt: Type.Integer(),
  workerId: Nullable(Type.String()),
  worker: Nullable(
    Type.Object({ hostname: Type.String(), pid: Type.Integer(), heartbeatAt: Type.Integer() }),
  ),
  leaseUntil: Nullable(Type.Integer()),
  cancelRequested: Type.Boolean(),
  progress: Type.Unknown(),
});

export function registerReportsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['reports'];
  r.get(
    '/api/v1/reports/tasks',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Jobs started by admins or events, with status',
        querystring: JobListQuery,
        response: { 200: Page(Job), ...errors },
      },
    },
    async (req) =>
      tasksReport(s.store, jobFilter(req.query), {
        limit: req.query.limit ?? 50,
        after: req.query.cursor,
      }),
  );
  r.get(
    '/api/v1/reports/processes',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Every started job, scheduled or task, with parent and children',
        querystring: JobListQuery,
        response: { 200: Page(Process), ...errors },
      },
    },
    async (req) =>
      processesReport(s.store, jobFilter(req.query), {
        limit: req.query.limit ?? 50,
        after: req.query.cursor,
      }),
  );
  r.get(
    '/api/v1/reports/in-execution',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Robot instances running now, on every controller',
        response: { 200: Type.Object({ items: Type.Array(InExecution) }), ...errors },
      },
    },
    async () => ({ items: await inExecutionReport(s.store) }),
  );
  r.get(
    '/api/v1/reports/statistics',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The latest internal-calculate-statistics result',
        response: {
          200: Type.Object({
            id: Type.String(),
            createdAt: Type.Integer(),
            data: Type.Record(Type.String(), Type.Unknown()),
          }),
          ...errors,
        },
      },
    },
    async () => {
      const rec = await s.store.reportingData.latest('statistics');
      if (!rec) throw notFound('no statistics yet: internal-calculate-statistics has not run');
      return rec;
    },
  );
}
