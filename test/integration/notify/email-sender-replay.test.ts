/**
 * The Email sender robot interrupted mid-run, on both stores: a range of alert changes it
 * had decided on (stored as pendingTo) before a crash is redone exactly, no more and no
 * less; a range redone after its messages existed sends nothing twice. And the digest
 * window: changes within it of the first go out together, once it has closed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobRecord } from '../../../controller/store/records';
import { startSmtpTestServer, type SmtpTestServer } from '../../helpers/smtp-test-server';
import { startTestController, type TestController } from '../../helpers/test-controller';

// Generous: on a loaded machine one robot run on FerretDB has taken over 30 s.
const WAIT = { timeout: 90_000, interval: 100 };

for (const kind of ['sqlite', 'mongodb'] as const) {
  describe(`email-sender replays an interrupted range exactly (${kind})`, () => {
    let smtp: SmtpTestServer;
    let ctl: TestController;
    const run = async () => {
      const { body } = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
        body: { type: 'email-sender', params: {} },
      });
      await vi.waitFor(async () => {
        expect((await ctl.services.store.jobs.get(body.job.id))!.state).toBe('completed');
      }, WAIT);
      return (await ctl.services.store.jobs.get(body.job.id))!.result as Record<string, unknown>;
    };
    const raise = (key: string) =>
      ctl.services.store.alerts.raise(
        {
          type: 'policy',
          severity: 'critical',
          subject: `alert ${key}`,
          message: `about ${key}`,
          dedupeKey: `policy:p:${key}`,
          context: { policyId: 'p', hostName: `host-${key}` },
        },
        Date.now(),
      );

    beforeAll(async () => {
      smtp = await startSmtpTestServer({ username: 'u', password: 'replay-password' });
      ctl = await startTestController({
        store: kind,
        env: { KEYWARDEN_NOTIFY_DIGEST_WINDOW: '0' },
      });
      await ctl.api('PATCH', '/api/v1/robots/email-sender', { body: { intervalMs: 86_400_000 } });
      await run(); // the start-up run, joined when still queued (the robot is a singleton)
      expect(await ctl.services.store.notifications.getCursor('email')).not.toBeNull();
      await ctl.api('PUT', '/api/v1/notifications/smtp', {
        body: {
          host: '127.0.0.1',
          port: smtp.port,
          security: 'starttls',
          from: 'kw@keywarden.test',
          username: 'u',
          password: 'replay-password',
          caCertificate: smtp.caPem,
        },
      });
      await ctl.api('POST', '/api/v1/notifications/rules', {
        body: { name: 'all', recipients: ['ops@example.test'], minSeverity: 'info' },
      });
    }, 120_000);
    afterAll(async () => {
      await ctl?.stop();
      await smtp?.close();
    });

    it('redoes exactly the pending range, and nothing twice', async () => {
      const repo = ctl.services.store.notifications;
      const start = (await repo.getCursor('email'))!;
      await raise('a1');
      await raise('a2');
      // both changes served by the feed (MongoDB serves an event about a second late)
      const events = await vi.waitFor(async () => {
        const e = await ctl.services.store.alerts.events(start.cursor ?? undefined, 10);
        expect(e).toHaveLength(2);
        return e;
      }, WAIT);
      // A run that decided on the range up to a1 and died before handing it on.
      await repo.putCursor({
        consumer: 'email',
        cursor: start.cursor,
        pendingTo: events[0]!.cursor,
        updatedAt: Date.now(),
      });
      expect(await run()).toMatchObject({ events: 1, messages: 1, to: events[0]!.cursor });
      expect(await run()).toMatchObject({ events: 1, messages: 1, to: events[1]!.cursor });
      await vi.waitFor(() => expect(smtp.received).toHaveLength(2), WAIT);
      expect(smtp.received[0]!.parsed.text).toContain('alert a1');
      expect(smtp.received[0]!.parsed.text).not.toContain('alert a2');
      expect(smtp.received[1]!.parsed.text).toContain('alert a2');

      // The same range once more, as after a crash between its messages and the cursor move.
      await repo.putCursor({
        consumer: 'email',
        cursor: start.cursor,
        pendingTo: events[0]!.cursor,
        updatedAt: Date.now(),
      });
      expect(await run()).toMatchObject({ events: 1, messages: 1 });
      await vi.waitFor(async () => {
        const jobs = await ctl.services.store.jobs.list(
          { type: ['send-email'], state: ['queued', 'running'] },
          { limit: 5 },
        );
        expect(jobs.items).toEqual([]);
      }, WAIT);
      const outbox = await repo.listMessages({}, { limit: 10 });
      expect(outbox.items.map((m) => m.state)).toEqual(['sent', 'sent']);
      expect(smtp.received).toHaveLength(2);
      expect(await repo.getCursor('email')).toMatchObject({
        cursor: events[0]!.cursor,
        pendingTo: null,
      });
    }, 300_000);
  });
}

describe('email-sender waits out the digest window', () => {
  let smtp: SmtpTestServer;
  let ctl: TestController;
  const WINDOW = 5000;
  const runJob = async () => {
    const { body } = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'email-sender', params: {} },
    });
    return vi.waitFor(async () => {
      const job = (await ctl.services.store.jobs.get(body.job.id))!;
      expect(job.state).toBe('completed');
      return job;
    }, WAIT);
  };
  const raise = (key: string) =>
    ctl.services.store.alerts.raise(
      {
        type: 'policy',
        severity: 'warning',
        subject: `window ${key}`,
        message: key,
        dedupeKey: `policy:w:${key}`,
      },
      Date.now(),
    );
  beforeAll(async () => {
    smtp = await startSmtpTestServer({ username: 'u', password: 'window-password' });
    ctl = await startTestController({ env: { KEYWARDEN_NOTIFY_DIGEST_WINDOW: `${WINDOW}ms` } });
    await ctl.api('PATCH', '/api/v1/robots/email-sender', { body: { intervalMs: 86_400_000 } });
    await runJob(); // the start-up run, joined when still queued
    await ctl.api('PUT', '/api/v1/notifications/smtp', {
      body: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        from: 'kw@keywarden.test',
        username: 'u',
        password: 'window-password',
        caCertificate: smtp.caPem,
      },
    });
    await ctl.api('POST', '/api/v1/notifications/rules', {
      body: { name: 'all', recipients: ['ops@example.test'], minSeverity: 'info' },
    });
  }, 120_000);
  afterAll(async () => {
    await ctl?.stop();
    await smtp?.close();
  });

  it('mails the changes of one window together, once it has closed', async () => {
    const first = (await raise('w1')).alert.createdAt;
    await raise('w2');
    const early = await runJob();
    // Only meaningful when the run started inside the window (a loaded machine may be late).
    if (early.startedAt! < first + WINDOW - 500)
      expect(early.result).toMatchObject({ waiting: 'digest-window' });
    // (a run that came after the window, on a loaded machine, already mailed both)
    if ((early.result as { waiting?: string }).waiting !== undefined)
      await vi.waitFor(async () => {
        if (Date.now() < first + WINDOW) throw new Error('window still open');
        expect((await runJob()).result).toMatchObject({ events: 2, messages: 1 });
      }, WAIT);
    else expect(early.result).toMatchObject({ events: 2, messages: 1 });
    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), WAIT);
    expect(smtp.received[0]!.parsed.subject).toBe('[Keywarden] 2 alert changes (2 warning)');
  }, 300_000);
});
