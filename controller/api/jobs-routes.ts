/** /api/v1/jobs: list, show, start (admin-triggerable types), cancel and retry. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { conflict, invalidInput, jobCancelled, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { JOB_STATES, type JobState } from '../store/records';
import type { JobFilter } from '../store/store';
import { redactSealed } from '../secrets/sealed-params';
import { checkJobRequest } from '../auth/host-command-policy';
import { validateParams } from '../engine/validate-params';
import { caller, type RequireRole } from './auth';
import { parseList, parseTime } from './parse-query';
import { IdParams, Job, Page, PageQuery, TimeQuery, errors } from './schemas';

export const JobListQuery = Type.Object({
  state: Type.Optional(Type.String({ description: `comma-separated: ${JOB_STATES.join(', ')}` })),
  type: Type.Optional(Type.String({ description: 'comma-separated job types' })),
  host: Type.Optional(Type.String()),
  parent: Type.Optional(Type.String()),
  since: TimeQuery('created at or after'),
  until: TimeQuery('created at or before'),
  ...PageQuery,
});

export function jobFilter(q: {
  state?: string;
  type?: string;
  host?: string;
  parent?: string;
  since?: string;
  until?: string;
}): JobFilter {
  return {
    state: parseList<JobState>(q.state, 'state', JOB_STATES),
    type: parseList(q.type, 'type'),
    hostId: q.host,
    parentId: q.parent,
    createdSince: parseTime(q.since, 'since'),
    createdUntil: parseTime(q.until, 'until'),
  };
}

const StartJob = Type.Object(
  {
    type: Type.String({ minLength: 1 }),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    hostId: Type.Optional(Type.String({ minLength: 1 })),
    priority: Type.Optional(Type.Integer({ minimum: -100, maximum: 100 })),
    runAt: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since the epoch' })),
  },
  { additionalProperties: false },
);

export function registerJobsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['jobs'];
  r.get(
    '/api/v1/jobs',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'List jobs, newest first',
        querystring: JobListQuery,
        response: { 200: Page(Job), ...errors },
      },
    },
    async (req) =>
      s.store.jobs.list(jobFilter(req.query), {
        limit: req.query.limit ?? 50,
        after: req.query.cursor,
      }),
  );
  r.get(
    '/api/v1/jobs/:id',
    {
      onRequest: auth('auditor'),
      schema: { tags, summary: 'One job', params: IdParams, response: { 200: Job, ...errors } },
    },
    async (req) => {
      const job = await s.store.jobs.get(req.params.id);
      if (!job)
        throw notFound(`no job ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      return job;
    },
  );
  r.post(
    '/api/v1/jobs',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Start a job of an admin-triggerable type',
        body: StartJob,
        response: {
          200: Type.Object({ job: Job, created: Type.Boolean() }),
          201: Type.Object({ job: Job, created: Type.Boolean() }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { type, params, hostId, priority, runAt } = req.body;
      const def = s.queue.definition(type);
      if (!def.adminTriggerable)
        throw invalidInput(`type: job type ${type} cannot be started by an admin`, {
          details: { field: 'type', value: type, expected: 'an admin-triggerable job type' },
        });
      // What it would make a host run as root is checked before anything is queued (403).
      const valid = validateParams(type, def.params, params ?? {});
      await checkJobRequest(s, def, valid, hostId);
      const actor = caller(req).actor;
      const res = await s.queue.enqueueByName(type, params ?? {}, {
        createdBy: actor,
        trigger: 'admin',
        hostId: hostId ?? null,
        priority,
        runAt,
      });
      if (res.created)
        await s.store.audit.append({
          at: Date.now(),
          actor,
          action: 'job.start',
          subject: res.job.id,
          // The audit log is kept for good: it shows where a credential was, never the credential.
          details: { type, params: redactSealed(res.job.params), hostId: hostId ?? null },
        });
      return reply.code(res.created ? 201 : 200).send(res);
    },
  );
  r.post(
    '/api/v1/jobs/:id/cancel',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Cancel a queued or running job',
        params: IdParams,
        response: { 200: Job, ...errors },
      },
    },
    async (req) => {
      const before = await s.store.jobs.get(req.params.id);
      if (!before)
        throw notFound(`no job ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      if (before.state !== 'queued' && before.state !== 'running')
        throw conflict(`job ${before.id} already ended (${before.state})`, {
          details: { state: before.state },
        });
      const job = await s.store.jobs.requestCancel(before.id, Date.now());
      if (!job) throw notFound(`no job ${req.params.id}`);
      if (job.state === 'running')
        s.engine.abortLocal(job.id, jobCancelled(`job ${job.id} was cancelled`));
      await s.store.audit.append({
        at: Date.now(),
        actor: caller(req).actor,
        action: 'job.cancel',
        subject: job.id,
        details: { type: job.type, state: before.state },
      });
      return job;
    },
  );
  r.post(
    '/api/v1/jobs/:id/retry',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Queue a failed, cancelled or expired job again',
        params: IdParams,
        response: { 200: Job, ...errors },
      },
    },
    async (req) => {
      const job = await s.store.jobs.retry(req.params.id, Date.now());
      if (!job) {
        const existing = await s.store.jobs.get(req.params.id);
        if (!existing)
          throw notFound(`no job ${req.params.id}`, {
            details: { field: 'id', value: req.params.id },
          });
        throw conflict(
          `only failed, cancelled or expired jobs can be retried; job ${existing.id} is ${existing.state}`,
          { details: { state: existing.state } },
        );
      }
      s.engine.wake();
      await s.store.audit.append({
        at: Date.now(),
        actor: caller(req).actor,
        action: 'job.retry',
        subject: job.id,
        details: { type: job.type },
      });
      return job;
    },
  );
}
