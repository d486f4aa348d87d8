/**
 * /api/v1/archive: what the data archiver wrote (the ledger of archive batches) and the
 * warehouse conciliation's reports, newest first. Read-only: archives are written by the
 * purge robots and checked by internal-warehouse-conciliation.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import type { RequireRole } from './auth';
import { IdParams, Nullable, Page, PageQuery, errors } from './schemas';

const Batch = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  file: Type.String({ description: 'relative to KEYWARDEN_ARCHIVE_DIR' }),
  sha256: Type.String(),
  bytes: Type.Integer(),
  count: Type.Integer({ description: 'records in the file' }),
  deleted: Type.Integer({ description: 'records deleted from the store after archiving' }),
  state: Type.String({ description: 'archived (not yet deleted) or purged' }),
  controlDate: Type.String({ description: 'records older than this were archived' }),
  createdAt: Type.Integer(),
  purgedAt: Nullable(Type.Integer()),
});

const Difference = Type.Object({
  problem: Type.String({
    description:
      'missing-file, checksum-mismatch, unreadable, missing-records, count-mismatch, not-in-ledger',
  }),
  file: Type.String(),
  batchId: Nullable(Type.String()),
  message: Type.String(),
  ids: Type.Optional(Type.Array(Type.String())),
});

const Report = Type.Object({
  id: Type.String(),
  at: Type.Integer(),
  batches: Type.Integer(),
  files: Type.Integer(),
  purgedRecords: Type.Integer(),
  differences: Type.Array(Difference),
});

export function registerArchiveRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['archive'];
  const page = (q: { limit?: number; cursor?: string }) => ({
    limit: q.limit ?? 50,
    ...(q.cursor ? { after: q.cursor } : {}),
  });

  r.get(
    '/api/v1/archive/batches',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Archive files the purge robots wrote, oldest first',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(Batch), ...errors },
      },
    },
    async (req) => {
      const p = await s.store.archive.ledger.list(page(req.query));
      return {
        nextCursor: p.nextCursor,
        items: p.items.map((b) => ({
          id: b.id,
          kind: b.kind,
          file: b.file,
          sha256: b.sha256,
          bytes: b.bytes,
          count: b.count,
          deleted: b.deletedIds.length,
          state: b.state,
          controlDate: new Date(b.rule.before).toISOString(),
          createdAt: b.createdAt,
          purgedAt: b.purgedAt,
        })),
      };
    },
  );

  r.get(
    '/api/v1/archive/conciliation-reports',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Warehouse conciliation reports, newest first',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(Report), ...errors },
      },
    },
    async (req) => s.store.archive.ledger.listReports(page(req.query)),
  );

  r.get(
    '/api/v1/archive/conciliation-reports/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One warehouse conciliation report',
        params: IdParams,
        response: { 200: Report, ...errors },
      },
    },
    async (req) => {
      const found = await s.store.archive.ledger.getReport(req.params.id);
      if (!found)
        throw notFound(`no conciliation report ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      return found;
    },
  );
}
