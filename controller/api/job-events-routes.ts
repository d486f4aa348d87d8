/**
 * GET /api/v1/job-events: live progress as server-sent events, for the console's job and
 * host pages (a discovery, an import, a fan-out job). `job=ID` streams the job and its
 * children until all have ended; `host=ID` streams the host (its state) and its newest
 * jobs, so the follow-on jobs of a discovery (monitored state, first full scan) show as
 * they are queued. The browser reads it with fetch and the Authorization header, as every
 * other route: no token in a URL, no cookie.
 *
 * The stream looks at the store every POLL_MS and sends a snapshot only when it changed.
 * That works the same on SQLite and on a MongoDB shared by several controllers, where the
 * worker running the job may be another process; a console has a handful of viewers.
 */
import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import type { JobRecord } from '../store/records';
import { redactSealed } from '../secrets/sealed-params';
import type { RequireRole } from './auth';
import { RAW_SECURITY_HEADERS } from './security-headers';
import { errors } from './schemas';

const POLL_MS = 500;
const KEEPALIVE_MS = 15_000;
/** A stream ends after this long; the console opens a new one if the page is still open. */
const MAX_STREAM_MS = 30 * 60_000;
const ENDED = new Set(['completed', 'failed', 'cancelled', 'expired']);

const Query = Type.Object(
  {
    job: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

type Snapshot = { ended: boolean; data: unknown };

export function registerJobEventsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const open = new Set<ServerResponse>();
  // Open streams would hold a graceful stop (and a test's app.close) for their full length.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  const jobSnapshot = async (id: string): Promise<Snapshot | null> => {
    const job = await s.store.jobs.get(id);
    if (!job) return null;
    const children = (await s.store.jobs.list({ parentId: id }, { limit: 200 })).items;
    const ended = ENDED.has(job.state) && children.every((c) => ENDED.has(c.state));
    return { ended, data: { job: redactSealed(job), children: redactSealed(children) } };
  };
  const hostSnapshot = async (id: string): Promise<Snapshot | null> => {
    const host = await s.store.hosts.get(id);
    if (!host) return null;
    const jobs: JobRecord[] = (await s.store.jobs.list({ hostId: id }, { limit: 20 })).items;
    return {
      ended: false,
      data: {
        host: { id: host.id, name: host.name, state: host.state, lastSeenAt: host.lastSeenAt },
        jobs: redactSealed(jobs),
      },
    };
  };

  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/v1/job-events',
    {
      onRequest: auth('auditor'),
      schema: {
        tags: ['jobs'],
        summary:
          'Server-sent events: a job and its children (job=ID), or a host and its newest jobs (host=ID)',
        querystring: Query,
        produces: ['text/event-stream'],
        response: errors,
      },
    },
    async (req, reply) => {
      const { job, host } = req.query;
      if ((job === undefined) === (host === undefined))
        throw invalidInput('give exactly one of job=ID or host=ID', {
          details: { field: job ? 'host' : 'job', expected: 'one of job, host' },
        });
      const snapshot = job ? () => jobSnapshot(job) : () => hostSnapshot(host as string);
      const first = await snapshot();
      if (!first)
        throw notFound(job ? `no job ${job}` : `no host ${host}`, {
          details: { field: job ? 'job' : 'host', value: job ?? host },
        });

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...RAW_SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      open.add(res);
      let closed = false;
      res.on('close', () => {
        closed = true;
        open.delete(res);
      });
      const send = (event: string, data: unknown) =>
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

      let last = '';
      let current: Snapshot | null = first;
      let lastWrite = Date.now();
      const until = Date.now() + MAX_STREAM_MS;
      while (!closed && current && Date.now() < until) {
        const text = JSON.stringify(current.data);
        if (text !== last) {
          last = text;
          send('update', current.data);
          lastWrite = Date.now();
        } else if (Date.now() - lastWrite > KEEPALIVE_MS) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        if (current.ended) {
          send('end', {});
          break;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (closed) break;
        try {
          current = await snapshot();
        } catch (err) {
          req.log.warn({ err }, 'job events: store read failed');
          send('error', { message: 'the store did not answer; retrying' });
        }
      }
      if (!closed) res.end();
    },
  );
}
