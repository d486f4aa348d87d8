/** /api/v1/tokens: admins list, create and revoke API tokens. The secret is shown once. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import { createToken } from '../auth/tokens';
import type { ControllerServices } from '../controller-services';
import type { TokenRecord } from '../store/records';
import { caller, type RequireRole } from './auth';
import { IdParams, RoleSchema, Token, errors } from './schemas';

const publicToken = ({ secretHash: _hash, ...t }: TokenRecord) => t;

export function registerTokensRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['tokens'];
  r.get(
    '/api/v1/tokens',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Every token (never the secrets)',
        response: { 200: Type.Object({ items: Type.Array(Token) }), ...errors },
      },
    },
    async () => ({ items: (await s.store.tokens.list()).map(publicToken) }),
  );
  r.post(
    '/api/v1/tokens',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Create a token; the secret is in this response only',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            role: RoleSchema,
            personId: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description:
                  "the directory person this token speaks for: the console's web terminal opens sessions as them",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Token, secret: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const actor = caller(req).actor;
      const { personId } = req.body;
      if (personId !== undefined) {
        const person = await s.store.directory.getPerson(personId);
        if (!person)
          throw notFound(`no person ${personId} in the directory records`, {
            details: { field: 'personId', value: personId },
          });
        if (person.state !== 'active')
          throw invalidInput(
            `person ${person.uid} has left the directory: link a token to an active person`,
            {
              details: { field: 'personId', value: personId, state: person.state },
            },
          );
      }
      const { token, secret } = await createToken(s.store, { ...req.body, createdBy: actor });
      await s.store.audit.append({
        at: Date.now(),
        actor,
        action: 'token.create',
        subject: token.id,
        details: { name: token.name, role: token.role, personId: token.personId ?? null },
      });
      return reply.code(201).send({ token: publicToken(token), secret });
    },
  );
  r.post(
    '/api/v1/tokens/:id/revoke',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Revoke a token at once',
        params: IdParams,
        response: { 200: Token, ...errors },
      },
    },
    async (req) => {
      const token = await s.store.tokens.revoke(req.params.id, Date.now());
      if (!token)
        throw notFound(`no token ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      await s.store.audit.append({
        at: Date.now(),
        actor: caller(req).actor,
        action: 'token.revoke',
        subject: token.id,
        details: { name: token.name },
      });
      return publicToken(token);
    },
  );
}
