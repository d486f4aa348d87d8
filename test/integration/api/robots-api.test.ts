/**
 * Robots through the HTTP API on each store: the panel, a change that is validated as a
 * whole, audited, sent to syslog and applied without a restart, and the window and
 * instance limits observed on real jobs.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';

interface RobotBody {
  type: string;
  status: string;
  instances: number;
  running: number;
  windowStart: string | null;
}
type JobPage = { items: Array<{ id: string; state: string }>; nextCursor: string | null };

const hhmm = (ms: number) => {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['sqlite', 'mongodb'] as const)('robots API on %s', (store) => {
  let ctl: TestController;
  let syslog: Socket;
  const received: string[] = [];

  beforeAll(async () => {
    syslog = createSocket('udp4');
    syslog.on('message', (m) => received.push(m.toString('utf8')));
    await new Promise<void>((r) => syslog.bind(0, '127.0.0.1', () => r()));
    ctl = await startTestController({
      store,
      env: { KEYWARDEN_SYSLOG: `udp://127.0.0.1:${syslog.address().port}` },
    });
  });
  afterAll(async () => {
    await ctl?.stop();
    syslog?.close();
  });

  it('lists every robot of the catalogue with settings and status', async () => {
    const res = await ctl.api<{ items: RobotBody[] }>('GET', '/api/v1/robots');
    expect(res.status).toBe(200);
    const types = res.body.items.map((r) => r.type);
    for (const t of [
      'internal-process-manager',
      'internal-scheduler',
      'internal-purge-jobs',
      'internal-purge-alerts',
      'internal-purge-reporting-data',
      'internal-calculate-statistics',
      'internal-reporting',
      'internal-expire-authorizations',
      'internal-schedule-monitor',
      'test-robot',
    ])
      expect(types).toContain(t);
    const reporting = res.body.items.find((r) => r.type === 'internal-reporting');
    expect(reporting).toMatchObject({ instances: 1, intervalMs: 86_400_000, enabled: true });
    expect(['idle', 'running']).toContain(reporting?.status);
  });

  it('refuses a bad change whole, naming the field, and an unknown robot with 404', async () => {
    const bad = await ctl.api<{ error: { message: string; details: { field: string } } }>(
      'PATCH',
      '/api/v1/robots/test-robot',
      { body: { instances: 0 } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('instances');
    expect(bad.body.error.message).toMatch(/instances/);
    const half = await ctl.api<{ error: { details: { field: string } } }>(
      'PATCH',
      '/api/v1/robots/test-robot',
      { body: { instances: 5, windowStart: '01:00' } },
    );
    expect(half.status).toBe(400);
    expect(half.body.error.details.field).toBe('windowEnd');
    const interval = await ctl.api('PATCH', '/api/v1/robots/test-robot', {
      body: { intervalMs: 60_000 },
    });
    expect(interval.status).toBe(400);
    // Nothing of the refused changes was applied.
    const robot = await ctl.api<RobotBody>('GET', '/api/v1/robots/test-robot');
    expect(robot.body).toMatchObject({ instances: 2, windowStart: null });
    expect(
      (await ctl.api('PATCH', '/api/v1/robots/no-such', { body: { instances: 1 } })).status,
    ).toBe(404);
    expect((await ctl.api('GET', '/api/v1/robots/test-sleep')).status).toBe(404);
  });

  it('holds the window and the instance count on real jobs, and applies changes at once', async () => {
    const now = Date.now();
    const closed = await ctl.api<{ changes: Record<string, unknown>; warning: string }>(
      'PATCH',
      '/api/v1/robots/test-robot',
      { body: { windowStart: hhmm(now + 2 * 3_600_000), windowEnd: hhmm(now + 3 * 3_600_000) } },
    );
    expect(closed.status).toBe(200);
    expect(closed.body.warning).toMatch(/unavailab|late/);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await ctl.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
        body: { type: 'test-robot', params: { ms: 300 } },
      });
      expect(r.status).toBe(201);
      ids.push(r.body.job.id);
    }
    await sleep(800);
    const waiting = await ctl.api<JobPage>(
      'GET',
      '/api/v1/jobs?type=test-robot&state=running,completed',
    );
    expect(waiting.body.items).toEqual([]);
    expect((await ctl.api<RobotBody>('GET', '/api/v1/robots/test-robot')).body.status).toBe(
      'waiting-for-window',
    );

    await ctl.api('PATCH', '/api/v1/robots/test-robot', {
      body: { windowStart: null, windowEnd: null },
    });
    let maxRunning = 0;
    for (let i = 0; i < 200; i++) {
      const running = await ctl.api<{ items: Array<{ type: string }> }>(
        'GET',
        '/api/v1/reports/in-execution',
      );
      maxRunning = Math.max(
        maxRunning,
        running.body.items.filter((r) => r.type === 'test-robot').length,
      );
      const done = await ctl.api<JobPage>('GET', '/api/v1/jobs?type=test-robot&state=completed');
      if (done.body.items.length === ids.length) break;
      await sleep(25);
    }
    expect(maxRunning).toBe(2);
    const done = await ctl.api<JobPage>('GET', '/api/v1/jobs?type=test-robot&state=completed');
    expect(done.body.items).toHaveLength(6);

    // More instances take effect without a restart. The jobs last long enough that four
    // run at once however slowly this machine claims them; the wait ends when they do.
    await ctl.api('PATCH', '/api/v1/robots/test-robot', { body: { instances: 4 } });
    for (let i = 0; i < 8; i++)
      await ctl.api('POST', '/api/v1/jobs', { body: { type: 'test-robot', params: { ms: 3000 } } });
    let peak = 0;
    for (let i = 0; i < 600 && peak < 4; i++) {
      const r = await ctl.api<RobotBody>('GET', '/api/v1/robots/test-robot');
      peak = Math.max(peak, r.body.running);
      expect(r.body.running).toBeLessThanOrEqual(4);
      await sleep(25);
    }
    expect(peak).toBe(4);
    // Disabled: nothing more starts.
    await ctl.api('PATCH', '/api/v1/robots/test-robot', { body: { enabled: false } });
    const queued = await ctl.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      body: { type: 'test-robot', params: { ms: 0 } },
    });
    await sleep(600);
    expect(
      (await ctl.api<{ state: string }>('GET', `/api/v1/jobs/${queued.body.job.id}`)).body.state,
    ).toBe('queued');
    expect((await ctl.api<RobotBody>('GET', '/api/v1/robots/test-robot')).body.status).toBe(
      'disabled',
    );
  });

  it('audits every change with who and what, and sends it to syslog as RFC 5424', async () => {
    const audit = await ctl.api<{
      items: Array<{
        actor: string;
        subject: string;
        details: { changes: Record<string, { from: unknown; to: unknown }> };
      }>;
    }>('GET', '/api/v1/audit?action=robot.update&subject=test-robot');
    expect(audit.status).toBe(200);
    const [latest] = audit.body.items;
    expect(latest?.actor).toMatch(/^token:bootstrap-admin#/);
    expect(latest?.details.changes).toEqual({ enabled: { from: true, to: false } });
    expect(audit.body.items.length).toBe(4);
    for (let i = 0; i < 40 && received.length < 4; i++) await sleep(25);
    expect(received).toHaveLength(4);
    const msg = received[3]!;
    expect(msg).toMatch(
      /^<109>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ keywarden \d+ robot\.update \[keywarden@32473 actor="token:bootstrap-admin#\w+" robot="test-robot" changes="\{.*\}"\] \ufeffrobot test-robot changed by /,
    );
    expect(msg).toContain('enabled true -> false');
  });
});
