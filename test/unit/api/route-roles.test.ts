import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { bearerAuth } from '../../../controller/api/auth';
import { enforceRouteTable, ROUTE_ROLES } from '../../../controller/api/route-roles';
import type { AuthFailureGuard } from '../../../controller/auth/auth-failures';

describe('the route table', () => {
  it('is the table docs/api.md shows, row for row', () => {
    const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `((?:GET|POST|PATCH|PUT|DELETE) [^`]+)` \| (\w+) \|/gm)].map(
      (m) => [m[1], m[2]],
    );
    expect(Object.fromEntries(rows)).toEqual(ROUTE_ROLES);
    expect(rows).toHaveLength(Object.keys(ROUTE_ROLES).length);
  });

  const auth = bearerAuth(
    { tokens: { findBySecretHash: async () => null } } as never,
    {
      refuseIfBlocked: () => undefined,
    } as unknown as AuthFailureGuard,
  );

  it('refuses, at start-up, a route that is not in it', () => {
    const app = Fastify();
    enforceRouteTable(app);
    expect(() =>
      app.get('/api/v1/something-new', { onRequest: auth('auditor') }, async () => ({})),
    ).toThrow('route GET /api/v1/something-new has no entry in controller/api/route-roles.ts');
  });

  it('refuses a route that declares another role than the table, or none', () => {
    const lower = Fastify();
    enforceRouteTable(lower);
    expect(() =>
      lower.get('/api/v1/tokens', { onRequest: auth('auditor') }, async () => ({})),
    ).toThrow(
      'route GET /api/v1/tokens requires auditor but controller/api/route-roles.ts says admin',
    );
    const open = Fastify();
    enforceRouteTable(open);
    expect(() => open.get('/api/v1/audit', async () => ({}))).toThrow('requires no token');
  });
});
