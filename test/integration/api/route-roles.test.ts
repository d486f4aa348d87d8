/**
 * Every route the controller registers, called with no token and as auditor, operator and
 * admin: 401 without a token, 403 below its minimum role, neither at or above it, exactly
 * as controller/api/route-roles.ts (and so docs/api.md) says. The routes come from the
 * server itself, not from the table: a route missing there stops the server first.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../../controller/api/build-http-server';
import { registeredRoutes, ROUTE_ROLES, accessOf } from '../../../controller/api/route-roles';
import { startTestController, type TestController } from '../../helpers/test-controller';

const RANK = { auditor: 0, operator: 1, admin: 2 } as const;
type Role = keyof typeof RANK;

describe('route × role', () => {
  let ctl: TestController;
  let app: FastifyInstance;
  const tokens: Record<Role, string> = { auditor: '', operator: '', admin: '' };

  beforeAll(async () => {
    // Many calls without a token on purpose: not a client to slow down here.
    ctl = await startTestController({ env: { KEYWARDEN_AUTH_FAILURE_LIMIT: '100000' } });
    tokens.admin = ctl.adminToken;
    for (const role of ['auditor', 'operator'] as const)
      tokens[role] = (
        await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
          body: { name: role, role },
        })
      ).body.secret;
    // The same server as the controller's, over its services, called in-process.
    app = await buildHttpServer(ctl.services, pino({ level: 'silent' }));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctl?.stop();
  });

  it('registers every route of the table, and only those', () => {
    const routes = registeredRoutes(app);
    expect(routes.length).toBeGreaterThan(40);
    for (const key of Object.keys(ROUTE_ROLES)) {
      const [method, url] = key.split(' ') as [string, string];
      const prefix = url.endsWith('/**') ? url.slice(0, -2) : null;
      expect(
        routes.some(
          (r) => r.method === method && (prefix ? r.url.startsWith(prefix) : r.url === url),
        ),
        `${key} is in the table but not registered`,
      ).toBe(true);
    }
    for (const r of routes) expect(accessOf(r.method, r.url)).toBe(r.access);
  });

  it('answers each route as its minimum role says, for no token and every role', async () => {
    const seen: string[] = [];
    for (const route of registeredRoutes(app)) {
      const url = route.url
        .replace(':id', 'no-such-id')
        .replace(':type', 'internal-scheduler')
        .replace('*', 'x');
      const body = ['POST', 'PATCH', 'PUT'].includes(route.method) ? {} : undefined;
      for (const who of [null, 'auditor', 'operator', 'admin'] as const) {
        const res = await app.inject({
          method: route.method as 'GET',
          url,
          headers: who ? { authorization: `Bearer ${tokens[who]}` } : {},
          ...(body ? { payload: body } : {}),
        });
        const what = `${route.method} ${route.url} as ${who ?? 'no token'}: ${res.statusCode} ${res.body.slice(0, 200)}`;
        seen.push(what);
        if (route.access === 'public') {
          expect([401, 403], what).not.toContain(res.statusCode);
        } else if (who === null) {
          expect(res.statusCode, what).toBe(401);
        } else if (RANK[who] < RANK[route.access]) {
          expect(res.statusCode, what).toBe(403);
          if (route.method !== 'HEAD')
            expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'FORBIDDEN' } });
        } else {
          expect([401, 403, 429], what).not.toContain(res.statusCode);
          expect(res.statusCode, what).toBeLessThan(500);
        }
      }
    }
    expect(seen.length).toBeGreaterThan(160);
  }, 120_000);
});
