/**
 * The minimum role of every HTTP route, in one table. It is the single source: each route
 * declares its role with `auth(role)` and the server refuses to start when a route is
 * missing here or declares another role (checkRouteAccess); docs/api.md lists the same
 * table and a test holds the two together. A route added without an entry here is a
 * start-up error, never a route open by accident.
 */
import type { RouteOptions } from 'fastify';
import type { Role } from '../store/records';

/** `public` routes need no token: they describe the API or report liveness, and hold no data. */
export type Access = Role | 'public';

export const ROUTE_ROLES = {
  'GET /healthz': 'public',
  'GET /docs': 'public',
  'GET /docs/**': 'public',
  'GET /api/v1/openapi.json': 'public',
  'GET /metrics': 'auditor',
  'GET /api/v1/jobs': 'auditor',
  'GET /api/v1/jobs/:id': 'auditor',
  'POST /api/v1/jobs': 'operator',
  'POST /api/v1/jobs/:id/cancel': 'operator',
  'POST /api/v1/jobs/:id/retry': 'operator',
  'GET /api/v1/hosts': 'auditor',
  'GET /api/v1/hosts/:id': 'auditor',
  'POST /api/v1/hosts': 'operator',
  'POST /api/v1/hosts/batch': 'operator',
  'POST /api/v1/hosts/imports': 'operator',
  'GET /api/v1/hosts/imports/:id': 'auditor',
  'POST /api/v1/hosts/discoveries': 'operator',
  'POST /api/v1/hosts/:id/accept-host-key': 'admin',
  'POST /api/v1/hosts/:id/renew-management-key': 'operator',
  'POST /api/v1/hosts/:id/discover': 'operator',
  'POST /api/v1/hosts/:id/monitor': 'operator',
  'POST /api/v1/hosts/:id/manage': 'operator',
  'GET /api/v1/robots': 'auditor',
  'GET /api/v1/robots/:type': 'auditor',
  'PATCH /api/v1/robots/:type': 'operator',
  'GET /api/v1/reports/tasks': 'auditor',
  'GET /api/v1/reports/processes': 'auditor',
  'GET /api/v1/reports/in-execution': 'auditor',
  'GET /api/v1/reports/statistics': 'auditor',
  'GET /api/v1/alerts': 'auditor',
  'POST /api/v1/alerts/:id/dismiss': 'operator',
  'POST /api/v1/alerts/:id/resolve': 'operator',
  'GET /api/v1/audit': 'auditor',
  'GET /api/v1/tokens': 'admin',
  'POST /api/v1/tokens': 'admin',
  'POST /api/v1/tokens/:id/revoke': 'admin',
  'POST /api/v1/icb': 'admin',
  'GET /api/v1/agents/:id': 'auditor',
  'POST /api/v1/agents/:id/revoke': 'admin',
  'GET /api/v1/hosts/:id/accounts': 'auditor',
  'GET /api/v1/hosts/:id/authorized-keys': 'auditor',
  'GET /api/v1/hosts/:id/private-keys': 'auditor',
  'GET /api/v1/hosts/:id/host-keys': 'auditor',
  'GET /api/v1/hosts/:id/key-usage': 'auditor',
  'GET /api/v1/hosts/:id/sshd-settings': 'auditor',
  'GET /api/v1/keys': 'auditor',
  'GET /api/v1/keys/:fingerprint': 'auditor',
  'GET /api/v1/keys/:fingerprint/authorized-keys': 'auditor',
  'GET /api/v1/keys/:fingerprint/private-keys': 'auditor',
  'GET /api/v1/keys/:fingerprint/usage': 'auditor',
  'GET /api/v1/host-groups': 'auditor',
  'GET /api/v1/host-groups/:id': 'auditor',
  'POST /api/v1/host-groups': 'operator',
  'PATCH /api/v1/host-groups/:id': 'operator',
  'DELETE /api/v1/host-groups/:id': 'operator',
  'GET /api/v1/scan-intervals': 'auditor',
  'PATCH /api/v1/scan-intervals': 'operator',
  'GET /api/v1/hosts/:id/scan-intervals': 'auditor',
  'PATCH /api/v1/hosts/:id/scan-intervals': 'operator',
  'PUT /api/v1/hosts/:id/group': 'operator',
  'GET /api/v1/authorizations': 'auditor',
  'GET /api/v1/authorizations/coverage': 'auditor',
  'GET /api/v1/authorizations/:id': 'auditor',
  'POST /api/v1/authorizations': 'operator',
  'DELETE /api/v1/authorizations/:id': 'operator',
  'GET /api/v1/access/who-can-reach': 'auditor',
  'GET /api/v1/access/key-reach': 'auditor',
  'GET /api/v1/access/who-could-log-in': 'auditor',
  'GET /api/v1/access/graph': 'auditor',
  'GET /api/v1/access/graph/nodes': 'auditor',
  'GET /api/v1/access/graph/edges': 'auditor',
  'GET /api/v1/access/graph/export': 'auditor',
  'GET /api/v1/blacklist': 'auditor',
  'GET /api/v1/blacklist/:fingerprint': 'auditor',
  'POST /api/v1/blacklist': 'operator',
  'GET /api/v1/reviews/campaigns': 'auditor',
  'GET /api/v1/reviews/campaigns/:id': 'auditor',
  'POST /api/v1/reviews/campaigns': 'operator',
  // turning a review off lets unconfirmed grants stay: an admin's decision
  'POST /api/v1/reviews/campaigns/:id/stop': 'admin',
  'GET /api/v1/reviews/rounds': 'auditor',
  'GET /api/v1/reviews/rounds/:id': 'auditor',
  // operator, and the round's owner (or an admin): checked by decide-item.ts
  'POST /api/v1/reviews/rounds/:id/items/:authorizationId/confirm': 'operator',
  'POST /api/v1/reviews/rounds/:id/items/:authorizationId/revoke': 'operator',
  'GET /api/v1/reviews/access-history': 'auditor',
  'GET /api/v1/whoami': 'auditor',
  'GET /api/v1/job-events': 'auditor',
  // The web console's files; an unknown path gets its index.html (console-routes.ts).
  'GET /': 'public',
  'GET /*': 'public',
  'GET /api/v1/applications': 'auditor',
  'GET /api/v1/applications/:id': 'auditor',
  'GET /api/v1/applications/:id/members': 'auditor',
  'POST /api/v1/applications': 'operator',
  'PATCH /api/v1/applications/:id': 'operator',
  'DELETE /api/v1/applications/:id': 'operator',
  'GET /api/v1/purge-requests': 'auditor',
  'GET /api/v1/purge-requests/:id': 'auditor',
  'POST /api/v1/purge-requests': 'admin',
  'POST /api/v1/purge-requests/:id/approve': 'admin',
  'POST /api/v1/purge-requests/:id/reject': 'admin',
  'GET /api/v1/archive/batches': 'auditor',
  'GET /api/v1/archive/conciliation-reports': 'auditor',
  'GET /api/v1/archive/conciliation-reports/:id': 'auditor',
  'POST /api/v1/listings': 'auditor',
  'GET /api/v1/jobs/:id/file': 'auditor',
  'GET /api/v1/keys/unused': 'auditor',
  'GET /api/v1/keys/quarantines': 'auditor',
  'POST /api/v1/keys/quarantine': 'operator',
  'POST /api/v1/keys/restore': 'operator',
  'POST /api/v1/keys/retire': 'operator',
  'GET /api/v1/export/sinks': 'auditor',
  'GET /api/v1/policies': 'auditor',
  'GET /api/v1/policies/:id': 'auditor',
  'GET /api/v1/policies/:id/versions': 'auditor',
  'GET /api/v1/policies/:id/violations': 'auditor',
  'POST /api/v1/policies': 'admin',
  'PATCH /api/v1/policies/:id': 'admin',
  'DELETE /api/v1/policies/:id': 'admin',
  'POST /api/v1/policies/dry-run': 'auditor',
  'GET /api/v1/reports/daily': 'auditor',
  'GET /api/v1/notifications/smtp': 'auditor',
  'PUT /api/v1/notifications/smtp': 'admin',
  'POST /api/v1/notifications/smtp/test': 'admin',
  'GET /api/v1/notifications/rules': 'auditor',
  'POST /api/v1/notifications/rules': 'operator',
  'DELETE /api/v1/notifications/rules/:id': 'operator',
  'GET /api/v1/notifications/outbox': 'auditor',
  'GET /api/v1/directory/ldap': 'auditor',
  'PUT /api/v1/directory/ldap': 'admin',
  'GET /api/v1/people': 'auditor',
  'GET /api/v1/people/:id': 'auditor',
  'POST /api/v1/people/:id/keys': 'operator',
  'GET /api/v1/access-groups': 'auditor',
  'POST /api/v1/access-groups': 'operator',
  'DELETE /api/v1/access-groups/:id': 'operator',
  'GET /api/v1/approvals': 'auditor',
  'GET /api/v1/approvals/:id': 'auditor',
  'POST /api/v1/approvals/:id/approve': 'operator',
  'POST /api/v1/approvals/:id/deny': 'operator',
  // Any operator may ask; the handler lets only the asking token or an admin cancel.
  'POST /api/v1/approvals/:id/cancel': 'operator',
  'GET /api/v1/approval-policies': 'auditor',
  'PUT /api/v1/approval-policies/:id': 'admin',
  'DELETE /api/v1/approval-policies/:id': 'admin',
  'GET /api/v1/notifications/imap': 'auditor',
  'PUT /api/v1/notifications/imap': 'admin',
  // The signed single-use token in the body is the credential (docs/approvals.md).
  'GET /approval-links': 'public',
  'GET /approval-links/page.js': 'public',
  'POST /approval-links/check': 'public',
  'POST /approval-links/decide': 'public',
  'GET /api/v1/access-groups/:id': 'auditor',
  'POST /api/v1/access-groups/:id/members': 'operator',
  'DELETE /api/v1/access-groups/:id/members/:personId': 'operator',
  'DELETE /api/v1/people/:id/keys/:fingerprint': 'operator',
  'GET /api/v1/directory/sync-state': 'auditor',
  'GET /api/v1/keys/:fingerprint/owner': 'auditor',
  'PUT /api/v1/keys/:fingerprint/owner': 'operator',
  'DELETE /api/v1/keys/:fingerprint/owner': 'operator',
  'GET /api/v1/directory/accounts': 'auditor',
  'GET /api/v1/directory/account-mappings': 'auditor',
  'POST /api/v1/directory/account-mappings': 'operator',
  'DELETE /api/v1/directory/account-mappings/:id': 'operator',
  'GET /api/v1/sessions': 'auditor',
  'GET /api/v1/sessions/:id': 'auditor',
  'GET /api/v1/sessions/search': 'auditor',
  'GET /api/v1/sessions/:id/recording': 'auditor',
  // what the person typed: passwords typed at prompts included
  'GET /api/v1/sessions/:id/input': 'admin',
  'POST /api/v1/sessions/:id/terminate': 'admin',
  // the console's web terminal (a WebSocket); the session itself needs the token's person
  'GET /api/v1/sessions/terminal': 'auditor',
} as const satisfies Record<string, Access>;

/** Set on the hook `auth(role)` returns, so the table can be checked against the route. */
export const REQUIRED_ROLE: unique symbol = Symbol('keywarden.requiredRole');

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

/** The table entry of one method and URL (HEAD answers as GET does); undefined if none. */
export function accessOf(method: string, url: string): Access | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  const table: Record<string, Access> = ROUTE_ROLES;
  const exact = table[`${m} ${url}`];
  if (exact) return exact;
  for (const [key, access] of Object.entries(table)) {
    const [km, kp] = key.split(' ');
    if (km === m && kp?.endsWith('/**') && url.startsWith(kp.slice(0, -2))) return access;
  }
  return undefined;
}

/** The roles the route's onRequest hooks require (none for a public route). */
function declaredRoles(route: RouteOptions): Role[] {
  const hooks = route.onRequest
    ? Array.isArray(route.onRequest)
      ? route.onRequest
      : [route.onRequest]
    : [];
  return hooks
    .map((h) => (h as unknown as { [REQUIRED_ROLE]?: Role })[REQUIRED_ROLE])
    .filter((r): r is Role => r !== undefined);
}

/** Checks one route being registered against the table; returns its entries. */
export function checkRouteAccess(route: RouteOptions): RouteAccess[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const declared = declaredRoles(route);
  return methods.map((method) => {
    const access = accessOf(method, route.url);
    if (access === undefined)
      throw new Error(
        `route ${method} ${route.url} has no entry in controller/api/route-roles.ts: give it its minimum role there and in docs/api.md`,
      );
    const expected = access === 'public' ? [] : [access];
    if (declared.length !== expected.length || declared[0] !== expected[0])
      throw new Error(
        `route ${method} ${route.url} requires ${declared.join(', ') || 'no token'} but controller/api/route-roles.ts says ${access}`,
      );
    return { method, url: route.url, access };
  });
}

const registered = new WeakMap<object, RouteAccess[]>();

/** Checks every route registered on `app` from now on against the table. */
export function enforceRouteTable(app: {
  addHook(name: 'onRoute', hook: (route: RouteOptions) => void): unknown;
}): void {
  const list: RouteAccess[] = [];
  registered.set(app, list);
  app.addHook('onRoute', (route) => list.push(...checkRouteAccess(route)));
}

/** The routes registered on `app` with their access (tests walk them all). */
export function registeredRoutes(app: object): readonly RouteAccess[] {
  return registered.get(app) ?? [];
}
