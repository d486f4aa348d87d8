/**
 * POST /api/v1/icb: an admin creates an ICB file. The work is a create-icb job (so it is
 * in the processes report like every other job); the route waits for it and answers
 * with the signed ICB, to be written to /etc/keywarden/agent.icb on new hosts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { fromErrorRecord, internalError } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { secretBoxFor } from '../secrets/secret-boxes';
import { createIcb, IcbParams, icbSealContext, type CreateIcbResult } from '../jobs/create-icb';
import { caller, type RequireRole } from './auth';
import { errors } from './schemas';

export function registerIcbRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/api/v1/icb',
    {
      onRequest: auth('admin'),
      schema: {
        tags: ['agents'],
        summary: 'Create an ICB file for enrolling agents (its token is single use and expires)',
        body: IcbParams,
        response: {
          201: Type.Object({
            jobId: Type.String(),
            icbId: Type.String(),
            expiresAt: Type.Integer(),
            icb: Type.Unknown(),
          }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { job } = await s.queue.enqueue(createIcb.type, req.body, {
        createdBy: caller(req).actor,
        trigger: 'admin',
      });
      const until = Date.now() + 30_000;
      for (;;) {
        const j = await s.store.jobs.get(job.id);
        if (j?.state === 'completed') {
          const { icbId, expiresAt, sealedIcb } = j.result as CreateIcbResult;
          // The sealed ICB stays in the job result: the store has no way to rewrite a
          // finished job's result, and without the master key it is of no use.
          const icb: unknown = JSON.parse(
            secretBoxFor(s.config).open(sealedIcb, icbSealContext(icbId)),
          );
          return reply.code(201).send({ jobId: job.id, icbId, expiresAt, icb });
        }
        if (j && ['failed', 'cancelled', 'expired'].includes(j.state)) {
          const e = j.error ?? {
            code: 'INTERNAL',
            message: `create-icb job ${j.state}`,
            retryable: false,
          };
          // The job's error keeps its code, status and details from the table.
          throw fromErrorRecord(e);
        }
        if (Date.now() > until)
          throw internalError(
            `create-icb job ${job.id} did not finish in 30 s; see GET /api/v1/jobs/${job.id}`,
          );
        await sleep(50);
      }
    },
  );
}
