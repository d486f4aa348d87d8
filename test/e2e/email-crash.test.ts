/**
 * The controller is killed with SIGKILL while it sends an email: the SMTP server has read
 * the whole message and holds its answer (the DATA phase stalls), so the controller never
 * hears "250". After a restart the message is sent again, with the same Message-ID, and
 * exactly one copy is received: the stalled one was dropped with its connection, as RFC
 * 5321 says a server must. Alert history from before the first start is not mailed, and
 * the SMTP password is in no log line and no store file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SMTP_PASSWORD_CONTEXT } from '../../controller/notify/email-smtp-settings';
import { secretBoxFor } from '../../controller/secrets/secret-boxes';
import { openSqliteStore } from '../../controller/store/sqlite/open-sqlite-store';
import type { RobotRecord } from '../../controller/store/records';
import { spawnController, type ControllerProcess } from '../helpers/controller-process';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server';

const PASSWORD = 'e2e-smtp-secret-4b9d0e2f';
const WAIT = { timeout: 90_000, interval: 100 };

const robot = (type: string, now: number): RobotRecord => ({
  type,
  instances: 1,
  intervalMs: 1000,
  windowStart: null,
  windowEnd: null,
  enabled: true,
  nextRunAt: now,
  lastStartedAt: null,
  lastJobId: null,
  updatedAt: now,
  updatedBy: 'test',
});

describe('email across a controller killed mid-send', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-email-crash-'));
  const env = {
    KEYWARDEN_DATA_DIR: dir,
    KEYWARDEN_LEASE: '2s',
    KEYWARDEN_NOTIFY_DIGEST_WINDOW: '0',
    KEYWARDEN_POLL_INTERVAL: '100ms',
    KEYWARDEN_SCHEDULER_TICK: '200ms',
    KEYWARDEN_LOG_LEVEL: 'debug',
  };
  let ctl: ControllerProcess | undefined;
  let smtp: SmtpTestServer | undefined;
  let logs = '';
  afterAll(async () => {
    await ctl?.kill('SIGKILL');
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('receives exactly one copy after kill -9 in the DATA phase and a restart', async () => {
    smtp = await startSmtpTestServer({ username: 'kw-mailer', password: PASSWORD });
    const store = openSqliteStore(path.join(dir, 'keywarden.db'));
    const now = Date.now();
    await store.notifications.putSmtp({
      host: '127.0.0.1',
      port: smtp.port,
      security: 'starttls',
      username: 'kw-mailer',
      passwordSealed: secretBoxFor({ dataDir: dir, masterKey: undefined }).seal(
        PASSWORD,
        SMTP_PASSWORD_CONTEXT,
      ),
      from: 'keywarden@keywarden.test',
      caCertificate: smtp.caPem,
      updatedAt: now,
      updatedBy: 'test',
    });
    await store.notifications.addRule({
      id: 'rule-ops',
      name: 'ops',
      recipients: ['ops@example.test'],
      minSeverity: 'warning',
      policyIds: [],
      groupIds: [],
      applicationIds: [],
      alertTypes: [],
      events: ['raised'],
      createdAt: now,
      createdBy: 'test',
    });
    // Every second, so the restarted controller reclaims the killed attempt quickly.
    await store.robots.ensure(robot('internal-process-manager', now));
    await store.robots.ensure(robot('email-sender', now));
    await store.alerts.raise(
      {
        type: 'policy',
        severity: 'critical',
        subject: 'history from before the first start',
        message: 'not to be mailed',
        dedupeKey: 'policy:old:1',
        context: { hostName: 'old-host' },
      },
      now,
    );

    const stalled = smtp.stallNextData();
    ctl = await spawnController(env);
    await vi.waitFor(
      async () => expect(await store.notifications.getCursor('email')).not.toBeNull(),
      WAIT,
    );
    await store.alerts.raise(
      {
        type: 'policy',
        severity: 'critical',
        subject: 'policy weak-rsa-root: root on db-1 reachable by a 1024-bit RSA key',
        message: 'RSA keys under 2048 bits are weak.',
        dedupeKey: 'policy:weak-rsa-root:db-1',
        context: {
          policyId: 'weak-rsa-root',
          hostId: 'hst_db1',
          hostName: 'db-1.example.test',
          account: 'root',
          fingerprint: 'SHA256:dbkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        },
      },
      Date.now(),
    );
    const first = await stalled;
    const [sending] = (await store.notifications.listMessages({}, { limit: 10 })).items;
    expect(sending).toMatchObject({ state: 'sending', attempts: 1 });
    logs += ctl.output();
    await ctl.kill('SIGKILL');
    // The server drops the stalled copy when the killed client's connection closes.
    await vi.waitFor(() => expect(smtp!.dropped).toHaveLength(1), WAIT);
    expect(smtp.received).toHaveLength(0);

    ctl = await spawnController(env);
    await vi.waitFor(async () => {
      expect(smtp!.received).toHaveLength(1);
      const m = await store.notifications.getMessage(sending!.id);
      expect(m).toMatchObject({ state: 'sent', attempts: 2 });
      const jobs = await store.jobs.list({ type: ['send-email'] }, { limit: 10 });
      expect(jobs.items.map((j) => j.state)).toEqual(['completed']);
    }, WAIT);
    // One more restart: a sent message stays sent, nothing goes out again.
    logs += ctl.output();
    await ctl.kill('SIGKILL');
    ctl = await spawnController(env);
    await vi.waitFor(async () => {
      const runs = await store.jobs.list(
        { type: ['email-sender'], state: ['completed'] },
        { limit: 50 },
      );
      expect(runs.items.filter((j) => j.createdAt > Date.now() - 10_000).length).toBeGreaterThan(1);
    }, WAIT);
    logs += ctl.output();
    await ctl.kill('SIGTERM');
    ctl = undefined;

    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0]!;
    expect(got.parsed.messageId).toBe(first.parsed.messageId);
    expect(got.parsed.messageId).toBe(sending!.messageId);
    expect(got.secure).toBe(true);
    expect(got.parsed.text).toContain('Host: db-1.example.test (hst_db1)');
    expect(got.parsed.text).toContain('Account: root');
    expect(got.parsed.text).toContain('Key: SHA256:dbkey');
    expect(got.parsed.text).toContain('Policy: weak-rsa-root');
    expect(got.parsed.text).not.toContain('history from before the first start');

    await store.close();
    expect(logs).toContain('email sent');
    expect(logs).not.toContain(PASSWORD);
    for (const f of readdirSync(dir).filter((x) => x.startsWith('keywarden.db')))
      expect(readFileSync(path.join(dir, f)).includes(Buffer.from(PASSWORD)), f).toBe(false);
  }, 300_000);
});
