/**
 * /api/v1/authorizations: grant a key to an account on a host or a group (with options and
 * an expiry), list and show grants with where they are placed, remove one, and see which
 * lines of a host are covered by a grant. Changes are audited with the key's fingerprint,
 * never option values (a `command=` or `environment=` may carry something private).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { conflict, notFound } from '../../shared/errors';
import { requestAuthorization } from '../approvals/request-authorization';
import { approvalView } from './approval-routes';
import { ApprovalRequest } from './approval-schemas';
import { coverageOfHost } from '../authorizations/coverage';
import type { ControllerServices } from '../controller-services';
import { removeAuthorization } from '../jobs/remove-authorization';
import { AUTHORIZATION_STATES, type AuthorizationRecord } from '../store/authorization-records';
import { caller, type RequireRole } from './auth';
import {
  Authorization,
  AuthorizationBody,
  AuthorizationQuery,
  CoverageQuery,
  LineCoverage,
  Placement,
} from './authorization-schemas';
import { parseList, parseTime } from './parse-query';
import { IdParams, Page, errors } from './schemas';

const auditDetails = (a: AuthorizationRecord) => ({
  fingerprint: a.fingerprint,
  source: a.source,
  account: a.account,
  target: a.target,
  optionNames: a.options.map((o) => o.name),
  expiresAt: a.expiresAt,
  onDrift: a.onDrift,
});

export function registerAuthorizationRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['authorizations'];
  const Accepted = Type.Object({ authorization: Authorization, jobId: Type.String() });

  r.post(
    '/api/v1/authorizations',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary:
          'Grant a key to an account on a host or every host of a group (held as an approval request when the group needs approval or approvers are named)',
        body: AuthorizationBody,
        response: {
          202: Type.Union([Accepted, Type.Object({ approval: ApprovalRequest })]),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { actor } = caller(req);
      const { expiresAt, approval, reason, ...rest } = req.body;
      const now = Date.now();
      const res = await requestAuthorization(
        s,
        {
          ...rest,
          ...(expiresAt !== undefined
            ? { expiresAt: parseTime(String(expiresAt), 'expiresAt') as number }
            : {}),
        },
        { ...(approval ? { spec: approval } : {}), ...(reason !== undefined ? { reason } : {}) },
        actor,
        now,
      );
      // Held for approval: nothing is stored as an authorization or queued yet.
      if ('approval' in res) return reply.code(202).send({ approval: approvalView(res.approval) });
      await s.store.audit.append({
        at: now,
        actor,
        action: 'authorization.create',
        subject: res.authorization.id,
        details: { ...auditDetails(res.authorization), jobId: res.jobId },
      });
      return reply.code(202).send(res);
    },
  );

  r.get(
    '/api/v1/authorizations',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Authorizations, newest first (removed and expired ones included)',
        querystring: AuthorizationQuery,
        response: { 200: Page(Authorization), ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      return s.store.authorizations.list(
        {
          state: parseList(q.state, 'state', AUTHORIZATION_STATES),
          fingerprint: q.fingerprint,
          account: q.account,
          hostId: q.hostId,
          groupId: q.groupId,
        },
        { limit: q.limit ?? 50, after: q.cursor },
      );
    },
  );

  r.get(
    '/api/v1/authorizations/coverage',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary:
          "A host's authorized_keys lines, each with the authorization covering it (or none)",
        querystring: CoverageQuery,
        response: { 200: Type.Object({ items: Type.Array(LineCoverage) }), ...errors },
      },
    },
    async (req) => ({
      items: await coverageOfHost(s.store, req.query.hostId, {
        ...(req.query.account ? { account: req.query.account } : {}),
      }),
    }),
  );

  r.get(
    '/api/v1/authorizations/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One authorization and its placement on each host',
        params: IdParams,
        response: {
          200: Type.Object({ authorization: Authorization, placements: Type.Array(Placement) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const a = await s.store.authorizations.get(req.params.id);
      if (!a)
        throw notFound(`no authorization ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      return {
        authorization: a,
        placements: await s.store.authorizations.listPlacements({ authorizationId: a.id }),
      };
    },
  );

  r.delete(
    '/api/v1/authorizations/:id',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Remove an authorization: its line is taken off every host that holds it',
        params: IdParams,
        response: { 202: Accepted, ...errors },
      },
    },
    async (req, reply) => {
      const { actor } = caller(req);
      const before = await s.store.authorizations.get(req.params.id);
      if (!before)
        throw notFound(`no authorization ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      const now = Date.now();
      const after = await s.store.authorizations.transition(
        before.id,
        ['active'],
        { state: 'removed', by: actor },
        now,
      );
      if (!after)
        throw conflict(`authorization ${before.id} is already ${before.state}`, {
          details: { state: before.state },
        });
      const { job } = await s.queue.enqueue(
        removeAuthorization.type,
        { authorizationId: after.id, reason: 'removed' },
        { createdBy: actor, trigger: 'admin' },
      );
      await s.store.audit.append({
        at: now,
        actor,
        action: 'authorization.remove',
        subject: after.id,
        details: { ...auditDetails(after), jobId: job.id },
      });
      return reply.code(202).send({ authorization: after, jobId: job.id });
    },
  );
}
