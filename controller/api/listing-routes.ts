/**
 * Batch listings: POST /api/v1/listings queues a listing-job that writes what a `list`
 * would show (every page of it) to a CSV or JSON file; GET /api/v1/jobs/:id/file downloads
 * it once the job completed. Both need the role that may read what is listed (tokens:
 * admin), whoever started the job: a file is never a way around a route's role.
 */
import { createReadStream } from 'node:fs';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { conflict, forbidden, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { listingPath, type ListingFormat } from '../listings/listing-file';
import {
  LISTING_OBJECTS,
  LISTING_SOURCES,
  ListingFilter,
  type ListingObject,
} from '../listings/listing-sources';
import { HOST_STATES } from '../store/host-records';
import { listingJob } from '../jobs/listing-job';
import type { Role } from '../store/records';
import { caller, hasRole, type RequireRole } from './auth';
import { parseList } from './parse-query';
import { IdParams, Job, errors } from './schemas';

const CONTENT_TYPES: Record<ListingFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export function registerListingRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['listings'];
  const mayRead = (role: Role, object: ListingObject) => {
    const need = LISTING_SOURCES[object].role;
    if (!hasRole(role, need))
      throw forbidden(`listing ${object} needs the ${need} role; this token has ${role}`, {
        details: { required: need, role },
      });
  };

  r.post(
    '/api/v1/listings',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'List objects in batch mode: a listing-job writes them all to a CSV or JSON file',
        body: Type.Object(
          {
            object: Type.Union(LISTING_OBJECTS.map((o) => Type.Literal(o))),
            format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])),
            filter: Type.Optional(ListingFilter),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ job: Job }), ...errors },
      },
    },
    async (req, reply) => {
      const who = caller(req);
      const { object } = req.body;
      mayRead(who.role, object);
      const filter = req.body.filter ?? {};
      parseList(filter.state, 'filter.state', HOST_STATES);
      const { job } = await s.queue.enqueue(
        listingJob.type,
        { object, format: req.body.format ?? 'csv', filter },
        { createdBy: who.actor, trigger: 'admin' },
      );
      s.engine.wake();
      return reply.code(202).send({ job });
    },
  );

  r.get(
    '/api/v1/jobs/:id/file',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Download the file a completed listing-job wrote',
        params: IdParams,
        response: {
          200: Type.Unknown({ description: 'the file: text/csv or application/json' }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const job = await s.store.jobs.get(req.params.id);
      if (!job || job.type !== listingJob.type)
        throw notFound(`no listing job ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      const params = job.params as { object: ListingObject; format: ListingFormat };
      mayRead(caller(req).role, params.object);
      if (job.state !== 'completed')
        throw conflict(
          `listing job ${job.id} is ${job.state}: its file is there once it completed`,
          {
            details: { state: job.state, progress: job.progress },
          },
        );
      const file = listingPath(s.config.dataDir, job.id, params.format);
      const stream = createReadStream(file);
      try {
        await new Promise<void>((resolve, reject) => {
          stream.once('open', () => resolve());
          stream.once('error', reject);
        });
      } catch {
        throw notFound(
          `the file of listing job ${job.id} is gone (listing files are kept listingRetentionMs)`,
          {
            details: { field: 'id', value: job.id },
          },
        );
      }
      return reply
        .header('content-type', CONTENT_TYPES[params.format])
        .header(
          'content-disposition',
          `attachment; filename="${params.object}-${job.id}.${params.format}"`,
        )
        .send(stream);
    },
  );
}
