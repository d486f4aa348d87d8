/**
 * The controller serves the web console at / with strict security headers, sends the
 * console's page for its own paths but never for the API's, tells a token who it is and
 * what it may call, and streams a job's progress as server-sent events to a caller with
 * a token in the Authorization header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../helpers/console-build';
import { startTestController, type TestController } from '../../helpers/test-controller';

describe('the web console server', () => {
  let ctl: TestController;
  let auditor = '';

  beforeAll(async () => {
    ensureConsoleBuilt();
    ctl = await startTestController();
    auditor = (
      await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
        body: { name: 'console-auditor', role: 'auditor' },
      })
    ).body.secret;
  });
  afterAll(async () => {
    await ctl?.stop();
  });

  const page = (p: string) => fetch(`${ctl.url}${p}`, { headers: { accept: 'text/html' } });

  it('serves the console at / with a strict CSP, nosniff, no referrer and no framing', async () => {
    const res = await page('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/);
    // No inline script: the policy allows none.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const js = await fetch(`${ctl.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it("answers the console's own paths with its page, and an unknown API route with a JSON 404", async () => {
    for (const p of ['/hosts', '/hosts/h-1', '/keys/SHA256%3Aabc%2Fdef', '/robots?x=1']) {
      const res = await page(p);
      expect(res.status, p).toBe(200);
      expect(await res.text(), p).toContain('<div id="app">');
    }
    const api = await page('/api/v1/no-such-route');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/json');
    expect(await api.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await page('/assets/missing.js')).status).toBe(404);
    // The API answers as before, with the same headers.
    const health = await fetch(`${ctl.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('keeps the Swagger page working under a policy of its own that forbids framing', async () => {
    const res = await page('/docs/');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // Its scripts stay pinned by hash; only style attributes are let through.
    expect(/script-src ([^;]*)/.exec(csp)?.[1]).toMatch(/^'self'( 'sha256-[^']+')*\s*$/);
    expect(await res.text()).toContain('swagger');
  });

  it('tells a token its name, role and the routes it may call', async () => {
    const admin = await ctl.api<{ role: string; allowed: string[] }>('GET', '/api/v1/whoami');
    expect(admin.status).toBe(200);
    expect(admin.body.role).toBe('admin');
    expect(admin.body.allowed).toContain('PATCH /api/v1/robots/:type');
    expect(admin.body.allowed).toContain('POST /api/v1/hosts/:id/accept-host-key');
    const aud = await ctl.api<{ name: string; role: string; allowed: string[] }>(
      'GET',
      '/api/v1/whoami',
      { token: auditor },
    );
    expect(aud.body).toMatchObject({ name: 'console-auditor', role: 'auditor' });
    expect(aud.body.allowed).toContain('GET /api/v1/robots');
    // an auditor changes nothing: the only other methods are reads sent as POST (a batch
    // listing written to a file it may download, a policy evaluated without saving)
    expect(aud.body.allowed.filter((r) => !r.startsWith('GET ')).sort()).toEqual([
      'POST /api/v1/listings',
      'POST /api/v1/policies/dry-run',
    ]);
    expect((await ctl.api('GET', '/api/v1/whoami', { token: null })).status).toBe(401);
  });

  it('streams a job and its children until they have ended, to a bearer token only', async () => {
    const started = await ctl.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      body: { type: 'test-parent', params: { children: [0, 0] } },
    });
    expect(started.status).toBe(201);
    const id = started.body.job.id;
    const url = `${ctl.url}/api/v1/job-events?job=${id}`;
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${auditor}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    // The stream ends by itself once the parent and both children have ended.
    const text = await res.text();
    const updates = [...text.matchAll(/^event: update\ndata: (.*)$/gm)].map(
      (m) => JSON.parse(m[1] as string) as { job: { state: string }; children: unknown[] },
    );
    expect(updates.length).toBeGreaterThan(0);
    const last = updates.at(-1);
    expect(last?.job.state).toBe('completed');
    expect(last?.children).toHaveLength(2);
    expect(text).toMatch(/event: end\n/);

    const none = await ctl.api('GET', '/api/v1/job-events?job=no-such-job', { token: auditor });
    expect(none.status).toBe(404);
    const neither = await ctl.api<{ error: { message: string } }>('GET', '/api/v1/job-events', {
      token: auditor,
    });
    expect(neither.status).toBe(400);
    expect(neither.body.error.message).toContain('job=ID or host=ID');
  });
});
