/**
 * /api/v1/purge-requests: deleting audit or key-activity records older than a date takes two
 * admins. One asks (POST), another approves (…/approve), which queues
 * purge-database-objects; the asker approving gets 403. Any admin may reject a pending
 * request (the asker withdraws it that way). Every step is audited.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { conflict, invalidInput, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { approvePurge, pendingRequest } from '../purge/approve-purge';
import { PURGE_KINDS, type PurgeState } from '../store/reporting-store';
import { caller, type RequireRole } from './auth';
import { parseList, parseTime } from './parse-query';
import { IdParams, Job, Nullable, Page, PageQuery, errors } from './schemas';

const STATES: readonly PurgeState[] = ['pending', 'approved', 'rejected', 'done', 'failed'];
const Kind = Type.Union(PURGE_KINDS.map((k) => Type.Literal(k)));
const PurgeRequest = Type.Object({
  id: Type.String(),
  kind: Kind,
  before: Type.Integer({ description: 'records older than this (ms) are deleted' }),
  reason: Type.String(),
  state: Type.String({ description: STATES.join(', ') }),
  requestedBy: Type.String(),
  requestedAt: Type.Integer(),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.Integer()),
  jobId: Nullable(Type.String()),
  purged: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  finishedAt: Nullable(Type.Integer()),
});

export function registerPurgeRequestRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['purge requests'];

  r.get(
    '/api/v1/purge-requests',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Purge requests, newest first',
        querystring: Type.Object(
          { state: Type.Optional(Type.String({ description: STATES.join(', ') })), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Page(PurgeRequest), ...errors },
      },
    },
    async (req) =>
      s.store.purgeRequests.list(
        { state: parseList(req.query.state, 'state', STATES) },
        { limit: req.query.limit ?? 50, ...(req.query.cursor ? { after: req.query.cursor } : {}) },
      ),
  );

  r.get(
    '/api/v1/purge-requests/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One purge request',
        params: IdParams,
        response: { 200: PurgeRequest, ...errors },
      },
    },
    async (req) => {
      const found = await s.store.purgeRequests.get(req.params.id);
      if (!found)
        throw notFound(`no purge request ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      return found;
    },
  );

  r.post(
    '/api/v1/purge-requests',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary:
          'Ask to purge audit or key-activity records older than a date (another admin approves)',
        body: Type.Object(
          {
            kind: Kind,
            before: Type.String({
              description: 'ISO 8601 or ms since the epoch; not in the future',
            }),
            reason: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: PurgeRequest, ...errors },
      },
    },
    async (req, reply) => {
      const now = Date.now();
      const before = parseTime(req.body.before, 'before');
      if (before === undefined || before > now)
        throw invalidInput(
          `before: ${req.body.before} is in the future: only records older than a past date can be purged`,
          {
            details: { field: 'before', value: req.body.before, expected: 'a date in the past' },
          },
        );
      const who = caller(req);
      const created = await s.store.purgeRequests.create({
        kind: req.body.kind,
        before,
        reason: req.body.reason ?? '',
        requestedBy: who.actor,
        requestedByToken: who.tokenId,
        requestedAt: now,
      });
      await s.store.audit.append({
        at: now,
        actor: who.actor,
        action: 'purge-request.create',
        subject: created.id,
        details: {
          kind: created.kind,
          before: new Date(before).toISOString(),
          reason: created.reason,
        },
      });
      return reply.code(201).send(created);
    },
  );

  r.post(
    '/api/v1/purge-requests/:id/approve',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary:
          'Approve a pending purge request made by another admin: queues purge-database-objects',
        params: IdParams,
        response: { 202: Type.Object({ request: PurgeRequest, job: Job }), ...errors },
      },
    },
    async (req, reply) => {
      const who = caller(req);
      const res = await approvePurge(s.store, s.queue, req.params.id, who, Date.now());
      s.engine.wake();
      return reply.code(202).send(res);
    },
  );

  r.post(
    '/api/v1/purge-requests/:id/reject',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Reject (or, as its asker, withdraw) a pending purge request',
        params: IdParams,
        response: { 200: PurgeRequest, ...errors },
      },
    },
    async (req) => {
      const who = caller(req);
      await pendingRequest(s.store, req.params.id);
      const now = Date.now();
      const decided = await s.store.purgeRequests.decide(req.params.id, {
        state: 'rejected',
        by: who.actor,
        byToken: who.tokenId,
        at: now,
      });
      if (!decided)
        throw conflict(`purge request ${req.params.id} was decided by someone else meanwhile`);
      await s.store.audit.append({
        at: now,
        actor: who.actor,
        action: 'purge-request.reject',
        subject: decided.id,
        details: { kind: decided.kind, requestedBy: decided.requestedBy },
      });
      return decided;
    },
  );
}
