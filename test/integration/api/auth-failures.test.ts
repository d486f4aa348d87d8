/**
 * Failed API authentications are audited (a flood as a bounded number of rows with its
 * count) and limited per client: past the limit every request of that client gets 429
 * with Retry-After, a valid token included, until the window has passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';

type Audit = {
  at: number;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
};

describe('failed authentications', () => {
  let ctl: TestController;
  const wrong = 'kw_this-is-not-a-token-0123456789';
  const failedRows = async () =>
    (await ctl.api<{ items: Audit[] }>('GET', '/api/v1/audit?action=auth.failed&limit=500')).body
      .items;

  beforeAll(async () => {
    ctl = await startTestController({
      env: { KEYWARDEN_AUTH_FAILURE_LIMIT: '5', KEYWARDEN_AUTH_FAILURE_WINDOW: '3s' },
    });
  });
  afterAll(async () => ctl?.stop());

  it('are limited per client, the valid token of a limited client included, until the window ends', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await ctl.api('GET', '/api/v1/jobs', { token: i % 2 ? wrong : null })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const limited = await ctl.api<{ error: { code: string; message: string } }>(
      'GET',
      '/api/v1/jobs',
      { token: wrong },
    );
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // A correct guess now would be no different from a wrong one.
    expect((await ctl.api('GET', '/api/v1/jobs')).status).toBe(429);
    // Unauthenticated routes stay up.
    expect((await ctl.api('GET', '/healthz', { token: null })).status).toBe(200);
    // A flood while limited.
    for (let i = 0; i < 40; i++) await ctl.api('GET', '/api/v1/audit', { token: wrong });

    // Once the window has passed, the valid token works again.
    const until = Date.now() + 30_000;
    let status = (await ctl.api('GET', '/api/v1/jobs')).status;
    while (status === 429) {
      expect(Date.now()).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 200));
      status = (await ctl.api('GET', '/api/v1/jobs')).status;
    }
    expect(status).toBe(200);

    // Audited: the first failure at once, the rest of the window as one row with its count.
    let rows = await failedRows();
    while (rows.length < 2) {
      expect(Date.now()).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 200));
      rows = await failedRows();
    }
    const first = rows[rows.length - 1]!;
    expect(first).toMatchObject({
      action: 'auth.failed',
      subject: expect.stringMatching(/127\.0\.0\.1$/),
      details: { reason: 'missing-token', method: 'GET', path: '/api/v1/jobs' },
    });
    // The same row format as refused agents: a window's first row, then its repeats.
    const total = rows.reduce((n, r) => n + 1 + Number(r.details.repeats ?? 0), 0);
    // 5 failures, then 1 + 1 (the valid token) + 40 refused while limited, plus the polls
    // that were still refused: all counted, in at most a few rows.
    expect(total).toBeGreaterThanOrEqual(47);
    expect(rows.length).toBeLessThanOrEqual(4);
    const summary = rows.find((r) => Number(r.details.repeats) > 0);
    expect(summary?.details.reasons).toMatchObject({
      'missing-token': 2,
      'unknown-token': 3,
      'rate-limited': expect.any(Number),
    });
    // Never the token that was presented.
    expect(JSON.stringify(rows)).not.toContain(wrong);
  }, 60_000);
});
