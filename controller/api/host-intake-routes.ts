/**
 * /api/v1/hosts/imports and /api/v1/hosts/discoveries: bring many hosts in at once, from
 * a CSV file or by scanning an address range for SSH servers. Initial credentials are
 * sealed with the master key before they go into a job's params; the answer is 202 with
 * the job's id.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import { parseHostImport } from '../intake/host-import';
import { checkNewHost } from '../intake/new-host-input';
import { expandCidr } from '../intake/range-scan';
import {
  SEALED_DISCOVERY_CONTEXT,
  SEALED_IMPORT_CONTEXT,
  secretBoxFor,
} from '../secrets/secret-boxes';
import type { ControllerServices } from '../controller-services';
import type { JobParams, JobTypeName } from '../engine/job-definition';
import { batchImportProcessing } from '../jobs/batch-import-processing';
import { deviceDiscovery } from '../jobs/device-discovery';
import { caller, type RequireRole } from './auth';
import { IdParams, Job, errors } from './schemas';

export const Secret = (what: string) =>
  Type.Optional(Type.String({ minLength: 1, description: `${what} (write only: never returned)` }));

export function registerHostIntakeRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['hosts'];
  const box = secretBoxFor(s.config);
  const enqueue = async <T extends JobTypeName>(type: T, params: JobParams<T>, actor: string) =>
    (await s.queue.enqueue(type, params, { createdBy: actor, trigger: 'admin' })).job;

  r.post(
    '/api/v1/hosts/imports',
    {
      onRequest: auth('operator'),
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags,
        summary: 'Import a CSV of agentless hosts (processed by the batch-import-processing robot)',
        body: Type.Object(
          {
            csv: Type.String({ minLength: 1 }),
            fileName: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ jobId: Type.String(), rows: Type.Integer() }), ...errors },
      },
    },
    async (req, reply) => {
      // A file that cannot be read at all (no header, unknown columns) is refused now; row
      // problems are for the report.
      const parsed = parseHostImport(req.body.csv);
      const actor = caller(req).actor;
      const job = await enqueue(
        batchImportProcessing.type,
        {
          sealedCsv: box.seal(req.body.csv, SEALED_IMPORT_CONTEXT),
          ...(req.body.fileName ? { fileName: req.body.fileName } : {}),
          actor,
        },
        actor,
      );
      await s.store.audit.append({
        at: Date.now(),
        actor,
        action: 'hosts.import',
        subject: job.id,
        details: {
          fileName: req.body.fileName ?? null,
          rows: parsed.rows.length + parsed.failed.length,
        },
      });
      return reply
        .code(202)
        .send({ jobId: job.id, rows: parsed.rows.length + parsed.failed.length });
    },
  );

  r.get(
    '/api/v1/hosts/imports/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'An import job and its report (once it has ended)',
        params: IdParams,
        response: { 200: Job, ...errors },
      },
    },
    async (req) => {
      const job = await s.store.jobs.get(req.params.id);
      if (!job || job.type !== batchImportProcessing.type)
        throw notFound(`no import ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      return {
        ...job,
        params: { fileName: (job.params as { fileName?: string }).fileName ?? null },
      };
    },
  );

  r.post(
    '/api/v1/hosts/discoveries',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Scan a network range for SSH servers and add them (device-discovery robot)',
        body: Type.Object(
          {
            cidr: Type.String({ minLength: 1 }),
            ports: Type.Optional(
              Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
                minItems: 1,
                maxItems: 16,
              }),
            ),
            concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 512 })),
            ratePerSecond: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
            timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000 })),
            managementAccount: Type.Optional(Type.String({ minLength: 1 })),
            password: Secret('initial password for every host found'),
            privateKey: Secret('initial private key for every host found'),
            groupId: Type.Optional(Type.String({ minLength: 1 })),
          },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({ jobId: Type.String(), addresses: Type.Integer() }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const addresses = expandCidr(b.cidr).length;
      const hasCredential = b.password !== undefined || b.privateKey !== undefined;
      if (hasCredential || b.managementAccount !== undefined) {
        const checked = checkNewHost(
          {
            address: '127.0.0.1',
            managementAccount: b.managementAccount ?? '',
            password: b.password,
            privateKey: b.privateKey,
          },
          { requireCredential: true },
        );
        if (!checked.ok)
          throw invalidInput(`${checked.problem.field}: ${checked.problem.reason}`, {
            details: { field: checked.problem.field, expected: checked.problem.reason },
          });
      }
      const actor = caller(req).actor;
      const job = await enqueue(
        deviceDiscovery.type,
        {
          cidr: b.cidr,
          ...(b.ports ? { ports: b.ports } : {}),
          ...(b.concurrency ? { concurrency: b.concurrency } : {}),
          ...(b.ratePerSecond ? { ratePerSecond: b.ratePerSecond } : {}),
          ...(b.timeoutMs ? { timeoutMs: b.timeoutMs } : {}),
          ...(b.managementAccount ? { managementAccount: b.managementAccount } : {}),
          ...(hasCredential
            ? {
                sealedCredential: box.seal(
                  JSON.stringify(
                    b.password !== undefined
                      ? { password: b.password }
                      : { privateKey: b.privateKey },
                  ),
                  SEALED_DISCOVERY_CONTEXT,
                ),
              }
            : {}),
          ...(b.groupId ? { groupId: b.groupId } : {}),
          actor,
        },
        actor,
      );
      return reply.code(202).send({ jobId: job.id, addresses });
    },
  );
}
