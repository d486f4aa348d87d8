/** Jobs, reports, alerts, tokens, audit, metrics and the OpenAPI document through HTTP, on each store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';

type Job = {
  id: string;
  type: string;
  state: string;
  createdBy: string;
  trigger: string;
  parentId: string | null;
};
type Page<T> = { items: T[]; nextCursor: string | null };
type Err = { error: { code: string; message: string; details?: Record<string, unknown> } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['sqlite', 'mongodb'] as const)('admin API on %s', (store) => {
  let ctl: TestController;
  const waitFor = async (id: string, states: string[]) => {
    for (let i = 0; i < 200; i++) {
      const r = await ctl.api<Job>('GET', `/api/v1/jobs/${id}`);
      if (states.includes(r.body.state)) return r.body;
      await sleep(25);
    }
    throw new Error(`job ${id} never reached ${states.join('|')}`);
  };
  beforeAll(async () => {
    ctl = await startTestController({ store });
  });
  afterAll(async () => ctl?.stop());

  it('answers 401 without or with a wrong token and 403 for a too-low role', async () => {
    const none = await ctl.api<Err>('GET', '/api/v1/jobs', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await ctl.api('GET', '/api/v1/jobs', { token: 'kw_wrong' })).status).toBe(401);
    expect((await ctl.api('GET', '/metrics', { token: null })).status).toBe(401);
    expect((await ctl.api('GET', '/healthz', { token: null })).status).toBe(200);
    const auditor = await ctl.api<{ secret: string; token: { id: string } }>(
      'POST',
      '/api/v1/tokens',
      {
        body: { name: 'reader', role: 'auditor' },
      },
    );
    expect(auditor.status).toBe(201);
    const reader = auditor.body.secret;
    expect((await ctl.api('GET', '/api/v1/jobs', { token: reader })).status).toBe(200);
    const refused = await ctl.api<Err>('POST', '/api/v1/jobs', {
      token: reader,
      body: { type: 'test-sleep' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    expect((await ctl.api('GET', '/api/v1/tokens', { token: reader })).status).toBe(403);
    const op = await ctl.api<{ secret: string; token: { id: string } }>('POST', '/api/v1/tokens', {
      body: { name: 'ops', role: 'operator' },
    });
    const started = await ctl.api('POST', '/api/v1/jobs', {
      token: op.body.secret,
      body: { type: 'test-sleep' },
    });
    expect(started.status).toBe(201);
    expect(
      (
        await ctl.api('POST', '/api/v1/tokens', {
          token: op.body.secret,
          body: { name: 'x', role: 'admin' },
        })
      ).status,
    ).toBe(403);
    // Revoked: refused at once.
    expect((await ctl.api('POST', `/api/v1/tokens/${op.body.token.id}/revoke`)).status).toBe(200);
    expect((await ctl.api('GET', '/api/v1/jobs', { token: op.body.secret })).status).toBe(401);
    const tokens = await ctl.api<{ items: Array<Record<string, unknown>> }>(
      'GET',
      '/api/v1/tokens',
    );
    expect(tokens.body.items.some((t) => 'secretHash' in t)).toBe(false);
    expect(tokens.body.items.find((t) => t.name === 'ops')?.revokedAt).toEqual(expect.any(Number));
    expect(
      (await ctl.api('POST', '/api/v1/tokens', { body: { name: 'x', role: 'root' } })).status,
    ).toBe(400);
  });

  it('starts admin-triggerable jobs only, naming bad fields, 404 for unknown types and ids', async () => {
    const unknown = await ctl.api<Err>('POST', '/api/v1/jobs', { body: { type: 'no-such-type' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UNKNOWN_JOB_TYPE');
    const badParams = await ctl.api<Err>('POST', '/api/v1/jobs', {
      body: { type: 'test-sleep', params: { ms: -1 } },
    });
    expect(badParams.status).toBe(400);
    expect(badParams.body.error.details?.field).toBe('ms');
    const extra = await ctl.api<Err>('POST', '/api/v1/jobs', {
      body: { type: 'test-sleep', typo: 1 },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/typo/);
    // A malformed pinned host key is refused when the job is queued, not when it runs.
    const badPin = await ctl.api<Err>('POST', '/api/v1/jobs', {
      body: {
        type: 'scan-full',
        params: {
          connection: { host: '127.0.0.1', username: 'root', hostKeyFingerprint: 'SHA256:abc' },
        },
      },
    });
    expect(badPin.status).toBe(400);
    expect(JSON.stringify(badPin.body.error)).toMatch(/hostKeyFingerprint/);
    // A host job that names no host is refused when queued, not left to fail on a worker.
    const noHost = await ctl.api<Err>('POST', '/api/v1/jobs', { body: { type: 'scan-full' } });
    expect(noHost.status).toBe(400);
    expect(noHost.body.error).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'hostId' },
    });
    expect(noHost.body.error.message).toMatch(/scan-full runs on a host/);
    expect((await ctl.api('GET', '/api/v1/jobs/nope')).status).toBe(404);
    expect((await ctl.api('POST', '/api/v1/jobs/nope/cancel')).status).toBe(404);
    expect((await ctl.api('POST', '/api/v1/jobs/nope/retry')).status).toBe(404);
    const badTime = await ctl.api<Err>('GET', '/api/v1/jobs?since=yesterday');
    expect(badTime.status).toBe(400);
    expect(badTime.body.error.details?.field).toBe('since');
    expect((await ctl.api<Err>('GET', '/api/v1/jobs?state=done')).status).toBe(400);
  });

  it('runs, cancels and retries jobs, and lists them with filters and a cursor', async () => {
    const since = Date.now();
    const ok = await ctl.api<{ job: Job; created: boolean }>('POST', '/api/v1/jobs', {
      body: { type: 'test-sleep', params: { ms: 10 } },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.job).toMatchObject({
      type: 'test-sleep',
      trigger: 'admin',
      createdBy: expect.stringMatching(/^token:bootstrap-admin#/),
    });
    expect(await waitFor(ok.body.job.id, ['completed'])).toMatchObject({ state: 'completed' });
    const long = await ctl.api<{ job: Job }>('POST', '/api/v1/jobs', {
      body: { type: 'test-sleep', params: { ms: 30_000 } },
    });
    await waitFor(long.body.job.id, ['running']);
    const cancel = await ctl.api<Job>('POST', `/api/v1/jobs/${long.body.job.id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(await waitFor(long.body.job.id, ['cancelled'])).toMatchObject({ state: 'cancelled' });
    expect((await ctl.api<Err>('POST', `/api/v1/jobs/${long.body.job.id}/cancel`)).status).toBe(
      409,
    );
    expect((await ctl.api<Err>('POST', `/api/v1/jobs/${ok.body.job.id}/retry`)).status).toBe(409);
    const retried = await ctl.api<Job>('POST', `/api/v1/jobs/${long.body.job.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.state).toBe('queued');
    await waitFor(long.body.job.id, ['running']);
    await ctl.api('POST', `/api/v1/jobs/${long.body.job.id}/cancel`);
    await waitFor(long.body.job.id, ['cancelled']);

    const p1 = await ctl.api<Page<Job>>(
      'GET',
      `/api/v1/jobs?type=test-sleep&since=${new Date(since).toISOString()}&limit=1`,
    );
    expect(p1.body.items.map((j) => j.id)).toEqual([long.body.job.id]);
    const p2 = await ctl.api<Page<Job>>(
      'GET',
      `/api/v1/jobs?type=test-sleep&since=${since}&limit=1&cursor=${p1.body.nextCursor}`,
    );
    expect(p2.body.items.map((j) => j.id)).toEqual([ok.body.job.id]);
    expect(p2.body.nextCursor).toBeNull();
    const cancelled = await ctl.api<Page<Job>>(
      'GET',
      `/api/v1/jobs?state=cancelled&type=test-sleep`,
    );
    expect(cancelled.body.items.map((j) => j.id)).toEqual([long.body.job.id]);
    const audit = await ctl.api<Page<{ action: string }>>(
      'GET',
      `/api/v1/audit?subject=${long.body.job.id}`,
    );
    expect(audit.body.items.map((a) => a.action)).toEqual([
      'job.cancel',
      'job.retry',
      'job.cancel',
      'job.start',
    ]);
  });

  it('reports tasks, processes with parent and children, and what runs now', async () => {
    const parent = await ctl.api<{ job: Job }>('POST', '/api/v1/jobs', {
      body: { type: 'test-parent', params: { children: [0, 0] } },
    });
    expect(parent.status).toBe(201);
    await waitFor(parent.body.job.id, ['completed']);
    const procs = await ctl.api<
      Page<{ job: Job; parent: { id: string } | null; children: Record<string, number> }>
    >('GET', '/api/v1/reports/processes?limit=100');
    const p = procs.body.items.find((x) => x.job.id === parent.body.job.id);
    expect(p?.children).toEqual({ completed: 2 });
    const child = procs.body.items.find((x) => x.job.parentId === parent.body.job.id);
    expect(child?.parent?.id).toBe(parent.body.job.id);
    // Scheduled robot runs are processes but not tasks.
    expect(procs.body.items.some((x) => x.job.trigger === 'schedule')).toBe(true);
    const tasks = await ctl.api<Page<Job>>('GET', '/api/v1/reports/tasks?limit=200');
    expect(tasks.body.items.some((j) => j.id === parent.body.job.id)).toBe(true);
    expect(tasks.body.items.every((j) => j.trigger === 'admin' || j.trigger === 'event')).toBe(
      true,
    );
    const long = await ctl.api<{ job: Job }>('POST', '/api/v1/jobs', {
      body: { type: 'test-sleep', params: { ms: 30_000 } },
    });
    await waitFor(long.body.job.id, ['running']);
    const running = await ctl.api<{ items: Array<Record<string, unknown>> }>(
      'GET',
      '/api/v1/reports/in-execution',
    );
    expect(running.body.items.find((r) => r.jobId === long.body.job.id)).toMatchObject({
      type: 'test-sleep',
      since: expect.any(Number),
      leaseUntil: expect.any(Number),
      workerId: ctl.services.engine.workerId,
      worker: { pid: process.pid },
    });
    await ctl.api('POST', `/api/v1/jobs/${long.body.job.id}/cancel`);
  });

  it('lists, dismisses and resolves alerts once each', async () => {
    const now = Date.now();
    const a = await ctl.services.store.alerts.raise(
      { type: 'test', severity: 'warning', subject: 's', message: 'm', dedupeKey: 'k1' },
      now,
    );
    const b = await ctl.services.store.alerts.raise(
      { type: 'test', severity: 'critical', subject: 's', message: 'm', dedupeKey: 'k2' },
      now,
    );
    const open = await ctl.api<Page<{ id: string }>>('GET', '/api/v1/alerts?state=open&type=test');
    expect(open.body.items.map((x) => x.id).sort()).toEqual([a.alert.id, b.alert.id].sort());
    expect(
      (
        await ctl.api<{ state: string; stateReason: string }>(
          'POST',
          `/api/v1/alerts/${a.alert.id}/dismiss`,
          { body: { reason: 'known test host' } },
        )
      ).body,
    ).toMatchObject({ state: 'dismissed', stateReason: 'known test host' });
    expect((await ctl.api('POST', `/api/v1/alerts/${a.alert.id}/resolve`)).status).toBe(409);
    expect(
      (await ctl.api<{ state: string }>('POST', `/api/v1/alerts/${b.alert.id}/resolve`)).body.state,
    ).toBe('resolved');
    expect((await ctl.api('POST', '/api/v1/alerts/nope/dismiss')).status).toBe(404);
    const audit = await ctl.api<Page<{ subject: string }>>(
      'GET',
      '/api/v1/audit?action=alert.dismiss',
    );
    expect(audit.body.items.map((x) => x.subject)).toEqual([a.alert.id]);
  });

  it('serves Prometheus metrics, the OpenAPI document and the docs page', async () => {
    const m = await ctl.api<string>('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    expect(m.body).toMatch(/keywarden_jobs\{type="test-sleep",state="cancelled"\} \d+/);
    expect(m.body).toMatch(/keywarden_job_claim_latency_seconds_count\{type="test-sleep"\} [1-9]/);
    expect(m.body).toMatch(
      /keywarden_robot_status\{robot="internal-process-manager",status="(idle|running)"\} 1/,
    );
    expect(m.body).toMatch(/keywarden_robot_instances\{robot="test-robot",kind="limit"\} 2/);
    const doc = await ctl.api<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>('GET', '/api/v1/openapi.json', { token: null });
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/jobs',
        '/api/v1/robots/{type}',
        '/api/v1/reports/in-execution',
        '/api/v1/audit',
        '/metrics',
      ]),
    );
    expect(JSON.stringify(doc.body.paths['/api/v1/robots/{type}']?.patch?.requestBody)).toContain(
      'windowStart',
    );
    const page = await ctl.api<string>('GET', '/docs', { token: null });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
  });
});
