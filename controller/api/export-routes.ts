/**
 * /api/v1/export/sinks: the SIEM export sinks this controller runs (configured with
 * KEYWARDEN_EXPORT_SINKS), each with its acknowledged cursors, what it has delivered since
 * start and its last error. No secret is shown: sinks hold file paths, never tokens or keys.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ControllerServices } from '../controller-services';
import type { RequireRole } from './auth';
import { errors, Nullable } from './schemas';

const Sink = Type.Object({
  id: Type.String(),
  url: Type.String(),
  format: Type.String(),
  feeds: Type.Array(Type.String()),
  state: Type.String(),
  delivered: Type.Integer(),
  lastDeliveredAt: Nullable(Type.Number()),
  lastError: Nullable(Type.String()),
  cursors: Type.Object({ alerts: Nullable(Type.String()), audit: Nullable(Type.String()) }),
});

export function registerExportRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/v1/export/sinks',
    {
      onRequest: auth('auditor'),
      schema: {
        tags: ['export'],
        summary: 'SIEM export sinks: cursors, delivered, last error',
        response: { 200: Type.Object({ items: Type.Array(Sink) }), ...errors },
      },
    },
    async () => ({ items: s.siemExport?.statuses() ?? [] }),
  );
}
