/**
 * Agents as an admin sees them: GET one agent's record (enrollment, certificate,
 * connection, revocation) and POST .../revoke, which revokes it for good. A revoked
 * agent is refused at every call and its open stream is closed within a second or two;
 * the host enrolls again with a new ICB if it should be managed.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { revokeAgent } from '../enrollment/agent-revocation';
import type { AgentRecord } from '../store/agent-records';
import { caller, type RequireRole } from './auth';
import { errors, IdParams, Nullable } from './schemas';

const Agent = Type.Object({
  id: Type.String(),
  hostId: Nullable(Type.String()),
  groupId: Nullable(Type.String()),
  version: Type.String(),
  certificateSerial: Type.String(),
  certificateNotAfter: Type.Integer(),
  previousCertificateSerial: Nullable(Type.String()),
  certificateSupersededAt: Nullable(Type.Integer()),
  revokedAt: Nullable(Type.Integer()),
  revokedBy: Nullable(Type.String()),
  revokedReason: Nullable(Type.String()),
  connectedTo: Nullable(Type.String()),
  lastConnectedAt: Nullable(Type.Integer()),
  lastDisconnectedAt: Nullable(Type.Integer()),
  enrolledAt: Type.Integer(),
});

const view = (a: AgentRecord) => ({
  id: a.id,
  hostId: a.hostId,
  groupId: a.groupId,
  version: a.version,
  certificateSerial: a.certificateSerial,
  certificateNotAfter: a.certificateNotAfter,
  previousCertificateSerial: a.previousCertificateSerial,
  certificateSupersededAt: a.certificateSupersededAt,
  revokedAt: a.revokedAt,
  revokedBy: a.revokedBy,
  revokedReason: a.revokedReason,
  connectedTo: a.connectedTo,
  lastConnectedAt: a.lastConnectedAt,
  lastDisconnectedAt: a.lastDisconnectedAt,
  enrolledAt: a.enrolledAt,
});

export function registerAgentsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['agents'];
  const find = async (id: string) => {
    const a = await s.store.agentFleet.agents.get(id);
    if (!a) throw notFound(`agent ${id} does not exist`, { details: { field: 'id', value: id } });
    return a;
  };

  r.get(
    '/api/v1/agents/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One agent: certificate, connection and revocation',
        params: IdParams,
        response: { 200: Agent, ...errors },
      },
    },
    async (req) => view(await find(req.params.id)),
  );

  r.post(
    '/api/v1/agents/:id/revoke',
    {
      onRequest: auth('admin'),
      // The body is optional: a POST without one revokes with the default reason.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        summary: 'Revoke an agent: every call it makes is refused from now on (not undoable)',
        params: IdParams,
        body: Type.Object(
          { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ revoked: Type.Boolean(), agent: Agent }), ...errors },
      },
    },
    async (req) => {
      await find(req.params.id);
      const revoked = await revokeAgent(s.store, req.params.id, {
        by: caller(req).actor,
        reason: req.body.reason ?? 'revoked by an admin',
      });
      // Revoking twice is not an error: the first revocation (and its reason) stands.
      return { revoked, agent: view(await find(req.params.id)) };
    },
  );
}
