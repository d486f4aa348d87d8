/**
 * Bearer-token authentication and role checks. A missing, unknown or revoked token is
 * 401 (with WWW-Authenticate); a valid token whose role is too low is 403. Roles are
 * ordered: admin may do everything, operator may also run and cancel jobs and change
 * robots, auditor may only read.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { forbidden, unauthenticated } from '../../shared/errors';
import { hashSecret } from '../auth/tokens';
import type { Role, TokenRecord } from '../store/records';
import type { Store } from '../store/store';
import type { AuthFailureGuard } from '../auth/auth-failures';
import { REQUIRED_ROLE } from './route-roles';

const RANK: Record<Role, number> = { auditor: 0, operator: 1, admin: 2 };

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  /** How audit records and created jobs name this caller. */
  actor: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const principalOf = (t: TokenRecord): Principal => ({
  tokenId: t.id,
  name: t.name,
  role: t.role,
  actor: `token:${t.name}#${t.id}`,
});

export type RequireRole = (role: Role) => onRequestAsyncHookHandler;

/**
 * The `auth(role)` of every route. Failed authentications go through `guard`: audited,
 * and refused with 429 once a client has failed too often (see auth/auth-failures.ts).
 */
export function bearerAuth(store: Pick<Store, 'tokens'>, guard: AuthFailureGuard): RequireRole {
  return (role) => {
    const hook = async (req: FastifyRequest, reply: FastifyReply) => {
      guard.refuseIfBlocked(req, reply);
      const header = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m?.[1]) {
        void reply.header('www-authenticate', 'Bearer');
        return guard.fail(
          req,
          reply,
          'missing-token',
          unauthenticated('missing bearer token: send "Authorization: Bearer <token>"'),
        );
      }
      const token = await store.tokens.findBySecretHash(hashSecret(m[1]));
      if (!token || token.revokedAt !== null) {
        void reply.header('www-authenticate', 'Bearer error="invalid_token"');
        return guard.fail(
          req,
          reply,
          token ? 'revoked-token' : 'unknown-token',
          unauthenticated(token ? 'the token was revoked' : 'unknown token'),
        );
      }
      req.principal = principalOf(token);
      if (RANK[token.role] < RANK[role]) {
        throw forbidden(`this needs the ${role} role; token ${token.name} has ${token.role}`, {
          details: { required: role, role: token.role },
        });
      }
    };
    // Lets the route table (route-roles.ts) check what each route requires.
    return Object.assign(hook, { [REQUIRED_ROLE]: role });
  };
}

/** The caller of a route that ran the auth hook. */
export function caller(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthenticated('not authenticated');
  return req.principal;
}

/** The role `have` may do what `need` may (roles are ordered: auditor < operator < admin). */
export const hasRole = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];
