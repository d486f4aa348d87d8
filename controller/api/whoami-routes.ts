/**
 * GET /api/v1/whoami: who the token is and what it may call. The console draws only the
 * actions listed in `allowed`, taken from the one route table (route-roles.ts), so an
 * auditor sees no button the API would refuse, and a route added to the table is shown
 * or hidden by the same rule without a change in the console.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Role } from '../store/records';
import { caller, type RequireRole } from './auth';
import { ROUTE_ROLES, type Access } from './route-roles';
import { RoleSchema, errors } from './schemas';

const RANK: Record<Role, number> = { auditor: 0, operator: 1, admin: 2 };

/**
 * Every "METHOD /path" of the route table this role may call. Public reads are listed; a
 * public route that changes something (an approval link's decision) takes a credential of
 * its own rather than the token's role, so it is not something the role allows.
 */
export function allowedRoutes(role: Role): string[] {
  return Object.entries(ROUTE_ROLES as Record<string, Access>)
    .filter(([route, access]) =>
      access === 'public' ? route.startsWith('GET ') : RANK[access] <= RANK[role],
    )
    .map(([route]) => route);
}

export function registerWhoamiRoutes(app: FastifyInstance, auth: RequireRole): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/v1/whoami',
    {
      onRequest: auth('auditor'),
      schema: {
        tags: ['tokens'],
        summary: "The calling token's name and role, and the routes it may call",
        response: {
          200: Type.Object({
            tokenId: Type.String(),
            name: Type.String(),
            role: RoleSchema,
            actor: Type.String({ description: 'how audit records name this caller' }),
            allowed: Type.Array(Type.String(), { description: '"METHOD /path" of route-roles' }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = caller(req);
      return {
        tokenId: p.tokenId,
        name: p.name,
        role: p.role,
        actor: p.actor,
        allowed: allowedRoutes(p.role),
      };
    },
  );
}
