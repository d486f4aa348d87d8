/**
 * /api/v1/blacklist: blacklisted keys, blacklisting one (the blacklist-keys job), and how
 * far each revocation has got: the hosts that confirmed the revocation list naming the key,
 * those still pending, and the time from the request to the last host confirmed.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ControllerServices } from '../controller-services';
import { checkJobRequest } from '../auth/host-command-policy';
import { validateParams } from '../engine/validate-params';
import { blacklistKeys } from '../jobs/blacklist-keys';
import { revocationStatus } from '../revocation/revocation-status';
import { redactSealed } from '../secrets/sealed-params';
import { caller, type RequireRole } from './auth';
import { Fingerprint } from './inventory-schemas';
import { errors } from './schemas';

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

const BlacklistEntry = Type.Object({
  fingerprint: Type.String(),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.Number(),
});

const Revocation = Type.Object({
  fingerprint: Type.String(),
  reason: Type.String(),
  requestedBy: Type.String(),
  requestedAt: Type.Number(),
  jobId: Type.Union([Type.String(), Type.Null()]),
  confirmed: Type.Array(
    Type.Object({
      hostId: Type.String(),
      confirmedAt: Type.Number(),
      afterMs: Type.Number(),
      sha256: Type.String(),
    }),
  ),
  pending: Type.Array(
    Type.Object({
      hostId: Type.String(),
      job: Type.Union([
        Type.Object({
          id: Type.String(),
          state: Type.String(),
          error: Type.Union([Type.String(), Type.Null()]),
        }),
        Type.Null(),
      ]),
    }),
  ),
  completedAt: Nullable(Type.Number()),
  timeToRevokeMs: Nullable(Type.Number({ description: 'request to last host confirmed' })),
});

export function registerBlacklistRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['blacklist'];

  r.get(
    '/api/v1/blacklist',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Blacklisted keys, oldest first',
        response: { 200: Type.Object({ items: Type.Array(BlacklistEntry) }), ...errors },
      },
    },
    async () => ({ items: await s.store.inventory.blacklist.list() }),
  );

  r.get(
    '/api/v1/blacklist/:fingerprint',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: "A blacklisted key's revocation: hosts confirmed, hosts pending, time to revoke",
        params: Type.Object({ fingerprint: Fingerprint }),
        response: { 200: Revocation, ...errors },
      },
    },
    async (req) => revocationStatus(s.store, req.params.fingerprint),
  );

  r.post(
    '/api/v1/blacklist',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary:
          'Blacklist a key: remove it everywhere and put it in every managed host’s revocation list',
        description:
          'Queues blacklist-keys with these params; the body is checked as that job’s params.',
        body: Type.Object({}, { additionalProperties: true }),
        response: {
          202: Type.Object({ jobId: Type.String(), created: Type.Boolean() }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const params = validateParams(blacklistKeys.type, blacklistKeys.params, req.body);
      // What it would make hosts run as root is checked before anything is queued (403).
      await checkJobRequest(s, blacklistKeys, params, undefined);
      const actor = caller(req).actor;
      // As POST /jobs: a connection's credential is sealed before the job is stored.
      const res = await s.queue.enqueueByName(blacklistKeys.type, req.body, {
        createdBy: actor,
        trigger: 'admin',
      });
      if (res.created)
        await s.store.audit.append({
          at: Date.now(),
          actor,
          action: 'job.start',
          subject: res.job.id,
          details: { type: blacklistKeys.type, params: redactSealed(res.job.params), hostId: null },
        });
      return reply.code(202).send({ jobId: res.job.id, created: res.created });
    },
  );
}
