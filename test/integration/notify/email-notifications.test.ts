/**
 * Email notification end to end in one controller, against a real SMTP server on
 * loopback (STARTTLS, AUTH): SMTP set up through the CLI, routing rules, a digest per
 * recipient naming host, account, key and policy in text and HTML, permanent and
 * temporary SMTP failures, and the SMTP password nowhere in clear.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../controller/cli/main';
import type { JobRecord } from '../../../controller/store/records';
import type { OutboxMessage } from '../../../controller/store/notification-records';
import { startSmtpTestServer, type SmtpTestServer } from '../../helpers/smtp-test-server';
import { startTestController, type TestController } from '../../helpers/test-controller';

const PASSWORD = 'smtp-Pa55word-9f3e1c7a';
const WAIT = { timeout: 30_000, interval: 100 };

describe('email notifications through a real SMTP server', () => {
  let smtp: SmtpTestServer;
  let ctl: TestController;
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-email-'));
  const cli = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(
      ['--url', ctl.url, '--token', ctl.adminToken, ...argv],
      {},
      (s) => (out += s),
      (s) => (err += s),
    );
    return { code, out, err };
  };
  const raise = (key: string, severity: 'info' | 'warning' | 'critical', policyId: string) =>
    ctl.services.store.alerts.raise(
      {
        type: 'policy',
        severity,
        subject: `policy ${policyId}: root on web-${key} reachable by a 1024-bit RSA key`,
        message: 'RSA keys under 2048 bits are weak; root is reachable without from=.',
        dedupeKey: `policy:${policyId}:${key}`,
        context: {
          policyId,
          hostId: `hst_${key}`,
          hostName: `web-${key}.example.test`,
          groupId: 'g-web',
          account: 'root',
          fingerprint: `SHA256:${key}fingerprintAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
        },
      },
      Date.now(),
    );
  const outbox = async () =>
    (await ctl.api<{ items: OutboxMessage[] }>('GET', '/api/v1/notifications/outbox?limit=100'))
      .body.items;
  const runSender = async () => {
    const { body } = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'email-sender', params: {} },
    });
    const id = body.job.id;
    await vi.waitFor(async () => {
      const job = (await ctl.services.store.jobs.get(id))!;
      expect(job.state).toBe('completed');
    }, WAIT);
    return (await ctl.services.store.jobs.get(id))!.result as Record<string, unknown>;
  };

  beforeAll(async () => {
    smtp = await startSmtpTestServer({ username: 'kw-mailer', password: PASSWORD });
    ctl = await startTestController({
      env: { KEYWARDEN_NOTIFY_DIGEST_WINDOW: '0', KEYWARDEN_NOTIFY_DIGEST_MAX_ALERTS: '2' },
    });
    // The robot runs when the test asks: after its first run at start-up (which only
    // takes the end of the feed as its cursor), the next periodic one is a day away.
    await ctl.api('PATCH', '/api/v1/robots/email-sender', { body: { intervalMs: 86_400_000 } });
    // (joins the start-up run when it is still queued: the robot is a singleton)
    await runSender();
    expect(await ctl.services.store.notifications.getCursor('email')).not.toBeNull();
    writeFileSync(path.join(dir, 'password'), `${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(path.join(dir, 'ca.pem'), smtp.caPem);
  });
  afterAll(async () => {
    await ctl?.stop();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets the SMTP server through the CLI and sends a test message over STARTTLS with AUTH', async () => {
    const bad = await cli(
      'notifications',
      'smtp',
      'set',
      '--host',
      '127.0.0.1',
      '--port',
      String(smtp.port),
      '--security',
      'none',
      '--from',
      'keywarden@keywarden.test',
      '--username',
      'kw-mailer',
      '--password-file',
      path.join(dir, 'password'),
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('security: "none" would send the SMTP password in clear');
    const set = await cli(
      'notifications',
      'smtp',
      'set',
      '--host',
      '127.0.0.1',
      '--port',
      String(smtp.port),
      '--security',
      'starttls',
      '--from',
      'keywarden@keywarden.test',
      '--username',
      'kw-mailer',
      '--password-file',
      path.join(dir, 'password'),
      '--ca-file',
      path.join(dir, 'ca.pem'),
    );
    expect(set.err).toBe('');
    expect(set.out).toContain(`starttls 127.0.0.1:${smtp.port} from keywarden@keywarden.test`);
    expect(set.out).toContain('password set');
    const test = await cli('notifications', 'smtp', 'test', '--to', 'ops@example.test');
    expect(test.err).toBe('');
    expect(test.out).toMatch(/^sent to ops@example.test: 250 /);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({
      secure: true,
      user: 'kw-mailer',
      to: ['ops@example.test'],
    });
  });

  it('refuses a wrong password with SMTP_REJECTED and keeps the right one sealed', async () => {
    const { body } = await ctl.api<{ passwordSet: boolean }>('GET', '/api/v1/notifications/smtp');
    expect(body).toMatchObject({ passwordSet: true });
    expect(JSON.stringify(body)).not.toContain(PASSWORD);
    await ctl.api('PUT', '/api/v1/notifications/smtp', {
      body: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        from: 'keywarden@keywarden.test',
        username: 'kw-mailer',
        password: 'wrong',
        caCertificate: smtp.caPem,
      },
    });
    const res = await ctl.api<{ error: { code: string; message: string } }>(
      'POST',
      '/api/v1/notifications/smtp/test',
      { body: { to: 'ops@example.test' } },
    );
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('SMTP_REJECTED');
    expect(res.body.error.message).toContain('535');
    await ctl.api('PUT', '/api/v1/notifications/smtp', {
      body: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        from: 'keywarden@keywarden.test',
        username: 'kw-mailer',
        password: PASSWORD,
        caCertificate: smtp.caPem,
      },
    });
  });

  it('routes alert changes by rule into one digest per recipient, capped, in text and HTML', async () => {
    const bad = await cli('notifications', 'rules', 'add', '--name', 'x', '--to', 'not-an-address');
    expect(bad.err).toContain('recipients[0]: "not-an-address" is not an email address');
    const ops = await cli(
      'notifications',
      'rules',
      'add',
      '--name',
      'weak keys to ops',
      '--to',
      'ops@example.test',
      '--min-severity',
      'warning',
      '--policy',
      'weak-rsa-root',
    );
    expect(ops.err).toBe('');
    await cli(
      'notifications',
      'rules',
      'add',
      '--name',
      'web critical',
      '--to',
      'web@example.test,OPS@example.test',
      '--min-severity',
      'critical',
      '--group',
      'g-web',
    );
    expect((await cli('notifications', 'rules', 'list')).out).toContain('policyIds=weak-rsa-root');

    const before = smtp.received.length;
    await raise('a1', 'warning', 'weak-rsa-root');
    await raise('a2', 'critical', 'weak-rsa-root');
    await raise('a3', 'warning', 'weak-rsa-root');
    await raise('a4', 'info', 'weak-rsa-root'); // below every rule's minimum
    await raise('b1', 'warning', 'other-policy'); // matches no rule
    expect(await runSender()).toMatchObject({ events: 5, messages: 2 });
    await vi.waitFor(() => expect(smtp.received.length).toBe(before + 2), WAIT);
    const mails = smtp.received.slice(before);
    const toOps = mails.find((m) => m.to[0] === 'ops@example.test')!;
    const toWeb = mails.find((m) => m.to[0] === 'web@example.test')!;
    expect(toOps.secure).toBe(true);
    // ops hears of a1, a2, a3 once each although two rules name it; at most 2 listed
    expect(toOps.parsed.subject).toBe('[Keywarden] 3 alert changes (1 critical, 2 warning)');
    const text = toOps.parsed.text!;
    expect(text).toContain('CRITICAL raised: policy weak-rsa-root: root on web-a2');
    expect(text).toContain('Host: web-a2.example.test (hst_a2)');
    expect(text).toContain('Account: root');
    expect(text).toContain('Key: SHA256:a2fingerprint');
    expect(text).toContain('Policy: weak-rsa-root');
    expect(text).toContain('and 1 more alert changes not listed here');
    expect(text).not.toContain('web-a4');
    expect(text).not.toContain('web-b1');
    const html = String(toOps.parsed.html);
    expect(html).toContain('<th align="left">Key</th><td>SHA256:a2fingerprint');
    expect(html).toContain('<th align="left">Policy</th><td>weak-rsa-root</td>');
    expect(toOps.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(toOps.parsed.messageId).toMatch(/^<kw\.[0-9a-f]{32}@keywarden\.test>$/);
    expect(toWeb.parsed.subject).toBe(
      '[Keywarden] CRITICAL raised: policy weak-rsa-root: root on web-a2 reachable by a 1024-bit RSA key',
    );
    const box = await outbox();
    expect(
      box
        .filter((m) => m.state === 'sent')
        .map((m) => m.recipient)
        .sort(),
    ).toEqual(['ops@example.test', 'web@example.test']);
    // a replay of the same range (the robot's job run again) sends nothing more
    expect(await runSender()).toMatchObject({ waiting: 'no-events' });
    // nor does send-email run again for a message the server accepted
    const sentId = box.find((m) => m.recipient === 'ops@example.test')!.id;
    const again = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'send-email', params: { messageId: sentId } },
    });
    await vi.waitFor(async () => {
      const job = (await ctl.services.store.jobs.get(again.body.job.id))!;
      expect(job.state).toBe('completed');
      expect(job.result).toMatchObject({ alreadySent: true, state: 'sent' });
    }, WAIT);
    expect(smtp.received.length).toBe(before + 2);
  });

  it('fails a message the server refuses for good, and retries a temporary failure with backoff', async () => {
    smtp.failNextData(550, 'mailbox unavailable');
    await raise('c1', 'critical', 'weak-rsa-root');
    await runSender();
    await vi.waitFor(async () => {
      const failed = (await outbox()).find((m) => m.state === 'failed');
      expect(failed?.lastError).toContain('SMTP_REJECTED');
    }, WAIT);
    const jobs = await ctl.services.store.jobs.list(
      { type: ['send-email'], state: ['failed'] },
      { limit: 10 },
    );
    expect(jobs.items[0]?.error).toMatchObject({ code: 'SMTP_REJECTED' });
    expect(jobs.items[0]?.attempts).toBe(1);

    smtp.failNextData(451, 'try again later');
    const t0 = Date.now();
    await raise('c2', 'critical', 'weak-rsa-root');
    await runSender();
    await vi.waitFor(async () => {
      const q = await ctl.services.store.jobs.list(
        { type: ['send-email'], state: ['queued'] },
        { limit: 10 },
      );
      expect(q.items[0]?.error).toMatchObject({ code: 'SMTP_FAILED' });
    }, WAIT);
    const queued = (
      await ctl.services.store.jobs.list({ type: ['send-email'], state: ['queued'] }, { limit: 10 })
    ).items[0]!;
    expect(queued.attempts).toBe(1);
    expect(queued.runAt).toBeGreaterThan(t0 + 20_000); // 30 s ± 20% backoff
    const waiting = (await outbox()).find((m) => m.state === 'sending');
    expect(waiting?.lastError).toContain('451');
  });

  it('shows the outbox and removes a rule through the CLI', async () => {
    const box = await cli('notifications', 'outbox', '--state', 'sent');
    expect(box.err).toBe('');
    expect(box.out).toMatch(/ops@example\.test\s+sent\s+1/);
    const { body } = await ctl.api<{ items: Array<{ id: string; name: string }> }>(
      'GET',
      '/api/v1/notifications/rules',
    );
    const web = body.items.find((r) => r.name === 'web critical')!;
    expect((await cli('notifications', 'rules', 'remove', web.id)).out).toBe(
      `rule ${web.id} removed`,
    );
    const again = await cli('notifications', 'rules', 'remove', web.id);
    expect(again.code).toBe(4);
    expect(again.err).toContain(`no notification rule ${web.id}`);
    expect((await cli('notifications', 'rules', 'list')).out).not.toContain('web critical');
  });

  it('never keeps the SMTP password in clear: store files, audit, job records, outbox', async () => {
    const files = readdirSync(ctl.services.config.dataDir).filter((f) =>
      f.startsWith('keywarden.db'),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(path.join(ctl.services.config.dataDir, f));
      expect(bytes.includes(Buffer.from(PASSWORD)), f).toBe(false);
    }
    const audit = await ctl.api('GET', '/api/v1/audit?limit=500');
    expect(JSON.stringify(audit.body)).toContain('notifications.smtp.set');
    expect(JSON.stringify(audit.body)).not.toContain(PASSWORD);
    const jobs = await ctl.api('GET', '/api/v1/jobs?limit=500');
    expect(JSON.stringify(jobs.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(await outbox())).not.toContain(PASSWORD);
  });

  it('never sends in clear to a server that does not offer STARTTLS when starttls is set', async () => {
    const plain = await startSmtpTestServer({
      username: 'x',
      password: 'y',
      withoutStartTls: true,
    });
    try {
      const put = await ctl.api('PUT', '/api/v1/notifications/smtp', {
        body: {
          host: '127.0.0.1',
          port: plain.port,
          security: 'starttls',
          from: 'keywarden@keywarden.test',
          password: null,
          username: null,
        },
      });
      expect(put.status).toBe(200);
      const res = await ctl.api<{ error: { code: string; message: string } }>(
        'POST',
        '/api/v1/notifications/smtp/test',
        { body: { to: 'ops@example.test' } },
      );
      expect(res.status).toBe(502);
      // the server refused STARTTLS (500): a settings problem, not retried
      expect(res.body.error.code).toBe('SMTP_REJECTED');
      expect(res.body.error.message).toContain(
        'TLS could not be started (security starttls; nothing was sent in clear)',
      );
      expect(plain.received).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });
});
