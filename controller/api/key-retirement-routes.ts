/**
 * Unused keys retired in stages (controller/retirement/): which keys are unused for N days,
 * the quarantines and their states, and the three stages as jobs (quarantine-key,
 * restore-key, retire-key). A request the job would refuse (the key Keywarden logs in with,
 * a key used within N days, a delete before the watch period ends) is refused here first.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ControllerServices } from '../controller-services';
import { checkJobRequest } from '../auth/host-command-policy';
import type { JobDefinition } from '../engine/job-definition';
import { validateParams } from '../engine/validate-params';
import { quarantineKey } from '../jobs/quarantine-key';
import { restoreKey } from '../jobs/restore-key';
import { retireKey } from '../jobs/retire-key';
import { checkQuarantine } from '../retirement/check-quarantine';
import { recordsInScope, refuseBeforeWatchEnds } from '../retirement/records-in-scope';
import { refuseManagementKey } from '../revocation/management-key-guard';
import { redactSealed } from '../secrets/sealed-params';
import { unusedKeys } from '../retirement/unused-keys';
import { caller, type RequireRole } from './auth';
import { Fingerprint } from './inventory-schemas';
import { errors, Nullable } from './schemas';

const QUARANTINE_STATES = ['quarantining', 'quarantined', 'restored', 'deleted'] as const;

const Quarantine = Type.Object({
  id: Type.String(),
  fingerprint: Type.String(),
  hostId: Type.String(),
  account: Type.String(),
  file: Type.String(),
  originalLine: Type.String(),
  quarantineOptions: Type.Array(
    Type.Object({ name: Type.String(), value: Type.Optional(Type.String()) }),
  ),
  state: Type.Union(QUARANTINE_STATES.map((s) => Type.Literal(s))),
  quarantinedAt: Type.Number(),
  watchUntil: Type.Number(),
  updatedAt: Type.Number(),
  by: Type.String(),
});

type Scope = { fingerprint: string; hostId?: string; account?: string };

export function registerKeyRetirementRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['key retirement'];

  r.get(
    '/api/v1/keys/unused',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Keys authorized somewhere with no login recorded for N days',
        querystring: Type.Object({
          days: Type.Integer({ minimum: 1, maximum: 36_500 }),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                fingerprint: Type.String(),
                lines: Type.Integer(),
                hosts: Type.Integer(),
                firstSeenAt: Type.Number(),
                lastUsedAt: Nullable(Type.Number()),
                quarantined: Type.Integer(),
              }),
            ),
            truncated: Type.Boolean(),
          }),
          ...errors,
        },
      },
    },
    async (req) => unusedKeys(s.store, req.query.days, Date.now(), req.query.limit ?? 500),
  );

  r.get(
    '/api/v1/keys/quarantines',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Quarantined lines and what became of them, with the original lines kept',
        querystring: Type.Object({
          fingerprint: Type.Optional(Fingerprint),
          hostId: Type.Optional(Type.String({ minLength: 1 })),
          state: Type.Optional(Type.Union(QUARANTINE_STATES.map((x) => Type.Literal(x)))),
        }),
        response: { 200: Type.Object({ items: Type.Array(Quarantine) }), ...errors },
      },
    },
    async (req) => ({
      items: await s.store.keyQuarantines.list({
        ...(req.query.fingerprint ? { fingerprint: req.query.fingerprint } : {}),
        ...(req.query.hostId ? { hostId: req.query.hostId } : {}),
        ...(req.query.state ? { state: [req.query.state] } : {}),
      }),
    }),
  );

  const stage = (
    path: string,
    job: JobDefinition,
    summary: string,
    check: (p: Scope & Record<string, unknown>) => Promise<void>,
  ) =>
    r.post(
      path,
      {
        onRequest: auth('operator'),
        schema: {
          tags,
          summary,
          description: `Queues ${job.type}; the body is checked as that job's params.`,
          body: Type.Object({}, { additionalProperties: true }),
          response: {
            202: Type.Object({ jobId: Type.String(), created: Type.Boolean() }),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const params = validateParams(job.type, job.params, req.body) as Scope &
          Record<string, unknown>;
        await checkJobRequest(s, job, params, undefined);
        await check(params);
        const actor = caller(req).actor;
        const res = await s.queue.enqueueByName(job.type, req.body, {
          createdBy: actor,
          trigger: 'admin',
        });
        if (res.created)
          await s.store.audit.append({
            at: Date.now(),
            actor,
            action: 'job.start',
            subject: res.job.id,
            details: { type: job.type, params: redactSealed(res.job.params), hostId: null },
          });
        return reply.code(202).send({ jobId: res.job.id, created: res.created });
      },
    );

  stage(
    '/api/v1/keys/quarantine',
    quarantineKey,
    'Quarantine an unused key: its lines let no login through, their originals are kept',
    async (p) => {
      await checkQuarantine(s.store, { ...p, unusedDays: p.unusedDays as number }, Date.now());
    },
  );
  stage(
    '/api/v1/keys/restore',
    restoreKey,
    'Put the original lines of a quarantined key back, byte for byte',
    async (p) => {
      await recordsInScope(s.store, p, ['quarantining', 'quarantined'], 'restore');
    },
  );
  stage(
    '/api/v1/keys/retire',
    retireKey,
    'Delete the quarantined lines of a key after its watch period (not reversible)',
    async (p) => {
      await refuseManagementKey(s.store, p.fingerprint, 'retiring');
      refuseBeforeWatchEnds(
        await recordsInScope(s.store, p, ['quarantined'], 'delete'),
        Date.now(),
      );
    },
  );
}
