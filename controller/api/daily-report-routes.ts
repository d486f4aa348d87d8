/** GET /api/v1/reports/daily: the daily reporting block internal-reporting stores. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { DAY_MS } from '../policy/daily-block';
import type { RequireRole } from './auth';
import { errors } from './schemas';

const Daily = Type.Object({
  id: Type.String(),
  createdAt: Type.Integer(),
  date: Type.String({ description: 'the UTC day of the block' }),
  data: Type.Unknown({
    description:
      'hosts and per-group host counts; `policies`: findings per group by policy and severity, totals, and `trends` (now minus the previous day)',
  }),
});

export function registerDailyReportRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/api/v1/reports/daily',
    {
      onRequest: auth('auditor'),
      schema: {
        tags: ['reports'],
        summary: 'The daily reporting block: the latest, or the last one of ?date=YYYY-MM-DD (UTC)',
        querystring: Type.Object({ date: Type.Optional(Type.String()) }),
        response: { 200: Daily, ...errors },
      },
    },
    async (req) => {
      const { date } = req.query;
      let rec;
      if (date === undefined) rec = await s.store.reportingData.latest('reporting');
      else {
        const start = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
        if (Number.isNaN(start))
          throw invalidInput(`query field date: expected YYYY-MM-DD, got ${JSON.stringify(date)}`, {
            details: { field: 'date', value: date },
          });
        rec = await s.store.reportingData.latestBefore('reporting', start + DAY_MS);
        if (rec && rec.createdAt < start) rec = null;
      }
      if (!rec)
        throw notFound(
          date === undefined
            ? 'no daily reporting block yet (internal-reporting has not run)'
            : `no daily reporting block on ${date}`,
          { details: { field: 'date', value: date ?? null } },
        );
      return { ...rec, date: new Date(rec.createdAt).toISOString().slice(0, 10) };
    },
  );
}
