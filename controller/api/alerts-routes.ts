/** /api/v1/alerts: list, dismiss and resolve. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { conflict, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import type { AlertState } from '../store/records';
import { caller, type RequireRole } from './auth';
import { parseList } from './parse-query';
import { Alert, IdParams, Page, PageQuery, errors } from './schemas';

const ALERT_STATES: AlertState[] = ['open', 'dismissed', 'resolved'];

const AlertQuery = Type.Object({
  state: Type.Optional(Type.String({ description: 'comma-separated: open, dismissed, resolved' })),
  type: Type.Optional(Type.String()),
  ...PageQuery,
});

export function registerAlertsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['alerts'];
  r.get(
    '/api/v1/alerts',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Alerts, newest first',
        querystring: AlertQuery,
        response: { 200: Page(Alert), ...errors },
      },
    },
    async (req) =>
      s.store.alerts.list(
        { state: parseList(req.query.state, 'state', ALERT_STATES), type: req.query.type },
        { limit: req.query.limit ?? 50, after: req.query.cursor },
      ),
  );
  for (const [action, state] of [
    ['dismiss', 'dismissed'],
    ['resolve', 'resolved'],
  ] as const) {
    r.post(
      `/api/v1/alerts/:id/${action}`,
      {
        onRequest: auth('operator'),
        // the body is optional: a POST without one is an empty note
        preValidation: async (req) => {
          req.body ??= {};
        },
        schema: {
          tags,
          summary: `Mark an open alert ${state}`,
          params: IdParams,
          body: Type.Object(
            { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
            { additionalProperties: false },
          ),
          response: { 200: Alert, ...errors },
        },
      },
      async (req) => {
        const before = await s.store.alerts.get(req.params.id);
        if (!before)
          throw notFound(`no alert ${req.params.id}`, {
            details: { field: 'id', value: req.params.id },
          });
        if (before.state !== 'open')
          throw conflict(`alert ${before.id} is already ${before.state}`, {
            details: { state: before.state },
          });
        const now = Date.now();
        const { actor } = caller(req);
        const reason = req.body.reason ?? `${state} by ${actor}`;
        const alert = await s.store.alerts.setState(before.id, state, now, { reason, by: actor });
        if (!alert) throw notFound(`no alert ${req.params.id}`);
        await s.store.audit.append({
          at: now,
          actor,
          action: `alert.${action}`,
          subject: alert.id,
          details: { type: alert.type, subject: alert.subject, reason },
        });
        return alert;
      },
    );
  }
}
