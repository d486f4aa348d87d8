/** /api/v1/audit: who changed what, newest first. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ControllerServices } from '../controller-services';
import type { RequireRole } from './auth';
import { parseTime } from './parse-query';
import { AuditEntry, Page, PageQuery, TimeQuery, errors } from './schemas';

const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ description: 'e.g. robot.update, job.start, token.create' })),
  subject: Type.Optional(Type.String()),
  since: TimeQuery('at or after'),
  ...PageQuery,
});

export function registerAuditRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/v1/audit',
    {
      onRequest: auth('auditor'),
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first',
        querystring: AuditQuery,
        response: { 200: Page(AuditEntry), ...errors },
      },
    },
    async (req) =>
      s.store.audit.list(
        {
          action: req.query.action,
          subject: req.query.subject,
          since: parseTime(req.query.since, 'since'),
        },
        { limit: req.query.limit ?? 50, after: req.query.cursor },
      ),
  );
}
