/**
 * /api/v1/hosts: list and show hosts, add one agentless host, import a CSV, scan a range,
 * accept a changed host key, renew a management key, switch state, and batch actions.
 * Credentials go in and never come out: responses name a credential's slot, kind and
 * fingerprint only. Long work (discovery, imports, scans, batches) is a job; the answer
 * is 202 with its id.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import { addAgentlessHost } from '../intake/add-agentless-host';
import { acceptHostKey } from '../host-states/host-state-effects';
import { checkNewHost } from '../intake/new-host-input';
import { vaultFor } from '../secrets/secret-boxes';
import type { ControllerServices } from '../controller-services';
import type { JobParams, JobTypeName, JobTypeWithParams } from '../engine/job-definition';
import { batchActionJob } from '../jobs/batch-action-job';
import { discover } from '../jobs/discover';
import { renewMgmtKey } from '../jobs/renew-mgmt-key';
import { toManagedStateHost } from '../jobs/to-managed-state-host';
import { toMonitoredStateHost } from '../jobs/to-monitored-state-host';
import { HOST_STATES, type HostRecord, type HostState } from '../store/host-records';
import { caller, type RequireRole } from './auth';
import { parseList } from './parse-query';
import { IdParams, Nullable, Page, PageQuery, errors } from './schemas';
import { Secret } from './host-intake-routes';

const Host = Type.Object({
  id: Type.String(),
  name: Type.String(),
  address: Type.String(),
  port: Type.Integer(),
  kind: Type.String(),
  state: Type.String(),
  groupId: Nullable(Type.String()),
  hostKeyFingerprint: Nullable(Type.String()),
  managementAccount: Nullable(Type.String()),
  agentId: Nullable(Type.String()),
  os: Nullable(Type.String()),
  sshProduct: Nullable(Type.String()),
  lastSeenAt: Nullable(Type.Integer()),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});
const Credential = Type.Object({
  slot: Type.String(),
  kind: Type.String(),
  fingerprint: Nullable(Type.String()),
  createdAt: Type.Integer(),
});
const HostDetail = Type.Intersect([Host, Type.Object({ credentials: Type.Array(Credential) })]);
const AddHost = Type.Object(
  {
    address: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    managementAccount: Type.String({ minLength: 1 }),
    password: Secret('initial password'),
    privateKey: Secret('initial private key, OpenSSH or PEM, unencrypted'),
    hostKeyFingerprint: Type.Optional(Type.String({ description: 'expected SHA256:... host key' })),
    groupId: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
const Accepted = Type.Object({ jobId: Type.String() });

const toHost = (h: HostRecord) => {
  const { scanIntervalsMs: _s, ...rest } = h;
  return rest;
};

export function registerHostsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['hosts'];
  const vault = vaultFor(s.config, s.store);
  const enqueue = async <T extends JobTypeName>(
    type: T,
    params: JobParams<T>,
    actor: string,
    hostId: string | null = null,
  ) => (await s.queue.enqueue(type, params, { createdBy: actor, trigger: 'admin', hostId })).job;
  const hostOr404 = async (id: string) => {
    const host = await s.store.hosts.get(id);
    if (!host) throw notFound(`no host ${id}`, { details: { field: 'id', value: id } });
    return host;
  };

  r.get(
    '/api/v1/hosts',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'List hosts',
        querystring: Type.Object({
          state: Type.Optional(
            Type.String({ description: `comma-separated: ${HOST_STATES.join(', ')}` }),
          ),
          kind: Type.Optional(Type.Union([Type.Literal('agent'), Type.Literal('agentless')])),
          group: Type.Optional(Type.String()),
          q: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 100,
              description:
                'text found (any case) in the name, address, id or OS; the other filters apply too',
            }),
          ),
          ...PageQuery,
        }),
        response: { 200: Page(Host), ...errors },
      },
    },
    async (req) => {
      const page = await s.store.hosts.list(
        {
          state: parseList<HostState>(req.query.state, 'state', HOST_STATES),
          ...(req.query.kind ? { kind: req.query.kind } : {}),
          ...(req.query.group ? { groupId: req.query.group } : {}),
          ...(req.query.q?.trim() ? { text: req.query.q.trim() } : {}),
        },
        { limit: req.query.limit ?? 50, after: req.query.cursor },
      );
      return { items: page.items.map(toHost), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/v1/hosts/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One host and its credentials (never their secrets)',
        params: IdParams,
        response: { 200: HostDetail, ...errors },
      },
    },
    async (req) => {
      const host = await hostOr404(req.params.id);
      const creds = await s.store.hostCredentials.listForHost(host.id);
      return {
        ...toHost(host),
        credentials: creds.map((c) => ({
          slot: c.slot,
          kind: c.kind,
          fingerprint: c.fingerprint,
          createdAt: c.createdAt,
        })),
      };
    },
  );

  r.post(
    '/api/v1/hosts',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Add an agentless host and start its discovery',
        body: AddHost,
        response: {
          201: Type.Object({ host: Host, discoverJobId: Nullable(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const checked = checkNewHost(req.body, { requireCredential: true });
      if (!checked.ok) {
        const p = checked.problem;
        const shown =
          p.value === '(hidden)' || p.value === undefined
            ? ''
            : ` (got ${JSON.stringify(p.value)})`;
        throw invalidInput(`${p.field}: ${p.reason}${shown}`, {
          details: { field: p.field, ...(shown ? { value: p.value } : {}), expected: p.reason },
        });
      }
      const actor = caller(req).actor;
      const added = await addAgentlessHost(
        {
          store: s.store,
          vault,
          now: Date.now,
          queueDiscovery: (hostId) => enqueue(discover.type, {}, actor, hostId),
        },
        checked.host,
        actor,
      );
      return reply.code(201).send({ host: toHost(added.host), discoverJobId: added.discoverJobId });
    },
  );

  r.post(
    '/api/v1/hosts/:id/accept-host-key',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Trust the host key a host presents now and resume work on it',
        params: IdParams,
        body: Type.Object(
          {
            fingerprint: Type.Optional(
              Type.String({ description: 'SHA256:... (default: the key last presented)' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Host, ...errors },
      },
    },
    async (req) => {
      const host = await hostOr404(req.params.id);
      let fingerprint = req.body.fingerprint;
      if (!fingerprint) {
        const seen = await s.store.audit.list(
          { action: 'host.key.mismatch', subject: host.id },
          { limit: 1 },
        );
        const presented = seen.items[0]?.details.presented;
        if (typeof presented !== 'string')
          throw invalidInput(
            'fingerprint: no presented key is on record; give the fingerprint to accept',
            {
              details: { field: 'fingerprint', expected: 'SHA256:...' },
            },
          );
        fingerprint = presented;
      }
      return toHost(
        await acceptHostKey(s.store, host.id, fingerprint, caller(req).actor, Date.now()),
      );
    },
  );

  // The jobs these routes start take the host and no params.
  const hostJob = (path: string, type: JobTypeWithParams<Record<string, never>>, summary: string) =>
    r.post(
      `/api/v1/hosts/:id/${path}`,
      {
        onRequest: auth('operator'),
        schema: { tags, summary, params: IdParams, response: { 202: Accepted, ...errors } },
      },
      async (req, reply) => {
        const host = await hostOr404(req.params.id);
        const job = await enqueue(type, {}, caller(req).actor, host.id);
        return reply.code(202).send({ jobId: job.id });
      },
    );
  hostJob(
    'renew-management-key',
    renewMgmtKey.type,
    'Renew the management key of an agentless host',
  );
  hostJob('discover', discover.type, 'Run discovery of the host again');
  hostJob(
    'monitor',
    toMonitoredStateHost.type,
    'Switch the host to monitored (to-monitored-state-host)',
  );
  hostJob(
    'manage',
    toManagedStateHost.type,
    'Switch the host to managed after checking access (to-managed-state-host)',
  );

  r.post(
    '/api/v1/hosts/batch',
    {
      onRequest: auth('operator'),
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags,
        summary: 'An action on many hosts: one batch-action-job with a child per host',
        body: Type.Object(
          {
            action: Type.Union(
              (['delete', 'rescan', 'change-state', 'move-group'] as const).map((a) =>
                Type.Literal(a),
              ),
            ),
            hostIds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 100_000 }),
            state: Type.Optional(
              Type.Union(['discovered', 'monitored', 'managed'].map((x) => Type.Literal(x))),
            ),
            groupId: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
            scanType: Type.Optional(Type.String({ minLength: 1 })),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ jobId: Type.String(), hosts: Type.Integer() }), ...errors },
      },
    },
    async (req, reply) => {
      const actor = caller(req).actor;
      const job = await enqueue(batchActionJob.type, req.body, actor);
      await s.store.audit.append({
        at: Date.now(),
        actor,
        action: 'hosts.batch',
        subject: job.id,
        details: { action: req.body.action, hosts: req.body.hostIds.length },
      });
      return reply.code(202).send({ jobId: job.id, hosts: new Set(req.body.hostIds).size });
    },
  );
}
