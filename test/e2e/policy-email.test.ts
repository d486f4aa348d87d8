/**
 * Issue 13's walk, as an operator does it through the API: configure SMTP and a recipient,
 * add a host whose root accepts a 1024-bit RSA key from anywhere, and receive one email
 * naming the host, the account, the key and the policy; fix the host, rescan, and see the
 * alert resolve. Real parts: sshd on loopback, an SMTP server with STARTTLS and AUTH, the
 * controller's own robots and jobs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostRecord } from '../../controller/store/host-records';
import type { AlertRecord, JobRecord } from '../../controller/store/records';
import { startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-test-server';
import { generateClientKey, startTestSshd, type TestSshd } from '../helpers/sshd';
import { randomLoopbackPrefix } from '../helpers/sshd-fleet';
import { startTestController, type TestController } from '../helpers/test-controller';
import { fleetApi, waitFor } from '../integration/authorizations/authorization-fleet';

const run = promisify(execFile);
const SMTP_PASSWORD = 'walk-smtp-secret-81f2';
const MGMT_PASSWORD = 'walk-mgmt-pw-5521';

describe('a weak root key found on a new host is mailed once, and resolves when fixed', () => {
  let dir = '';
  let smtp: SmtpTestServer;
  let sshd: TestSshd;
  let ctl: TestController;
  let weak = { publicKey: '', fingerprint: '' };
  let rootKeys = '';
  let hostId = '';
  const api = () => fleetApi(() => ctl);

  const runJob = async (type: string, params: Record<string, unknown>) => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params },
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    const job = await api().jobEnded(res.body.job.id);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    return job;
  };
  const weakAlert = async () =>
    (
      await ctl.api<{ items: AlertRecord[] }>(
        'GET',
        '/api/v1/alerts?type=policy&state=open,resolved&limit=500',
      )
    ).body.items.find(
      (a) => a.context.hostId === hostId && a.context.policyId === 'default-weak-keys',
    );

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kwt-policy-email-'));
    await run('ssh-keygen', [
      '-q',
      '-t',
      'rsa',
      '-b',
      '1024',
      '-N',
      '',
      '-C',
      'old@laptop',
      '-f',
      path.join(dir, 'weak'),
    ]);
    const pub = (await readFile(path.join(dir, 'weak.pub'), 'utf8')).trim();
    const fp = (
      await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'weak.pub')])
    ).stdout.split(' ')[1]!;
    weak = { publicKey: pub, fingerprint: fp };
    const good = await generateClientKey(dir, 'good');
    sshd = await startTestSshd({
      address: `${randomLoopbackPrefix()}.1`,
      users: [{ name: 'mgmt', password: MGMT_PASSWORD, sudo: true }],
      rootAuthorizedKeys: `from="10.0.0.0/8" ${good.publicKey}\n${weak.publicKey}\n`,
    });
    rootKeys = path.join(path.dirname(sshd.configPath), 'root_authorized_keys');
    smtp = await startSmtpTestServer({ username: 'kw-mailer', password: SMTP_PASSWORD });
    ctl = await startTestController({
      env: {
        KEYWARDEN_NOTIFY_DIGEST_WINDOW: '0',
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]),
      },
    });
    // the sender's first run takes the end of the alert feed: history is not mailed
    await runJob('email-sender', {});
  }, 300_000);

  afterAll(async () => {
    await ctl?.stop();
    await sshd?.stop();
    await smtp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('mails one message naming host, account, key and policy; the fixed host resolves it', async () => {
    const smtpSet = await ctl.api('PUT', '/api/v1/notifications/smtp', {
      body: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        username: 'kw-mailer',
        password: SMTP_PASSWORD,
        from: 'keywarden@keywarden.test',
        caCertificate: smtp.caPem,
      },
    });
    expect(smtpSet.status, JSON.stringify(smtpSet.body)).toBe(200);
    const rule = await ctl.api('POST', '/api/v1/notifications/rules', {
      body: { name: 'security team', recipients: ['secops@example.test'], minSeverity: 'critical' },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);

    const added = await ctl.api<{ host: HostRecord }>('POST', '/api/v1/hosts', {
      body: {
        address: sshd.address,
        port: sshd.port,
        managementAccount: sshd.user('mgmt').name,
        password: MGMT_PASSWORD,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        name: 'db-1',
      },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    hostId = added.body.host.id;
    await waitFor(
      'host monitored',
      async () =>
        (await ctl.api<HostRecord>('GET', `/api/v1/hosts/${hostId}`)).body.state === 'monitored',
    );
    // a full scan that reads this sshd's configuration (root's keys file is in a Match block)
    await runJob('scan-full', { hostId, sshdConfigPath: sshd.configPath });
    const open = await waitFor('the weak-key alert', weakAlert);
    expect(open).toMatchObject({ state: 'open', severity: 'critical' });
    expect(open.context).toMatchObject({ account: 'root', fingerprint: weak.fingerprint });

    await runJob('email-sender', {});
    const mail = await waitFor('one email', async () =>
      smtp.received.find((m) => m.to.includes('secops@example.test')),
    );
    const text = mail.parsed.text ?? '';
    for (const part of ['db-1', 'root', weak.fingerprint, 'Weak keys'])
      expect(text).toContain(part);
    expect(mail.secure).toBe(true);
    // one message for this host's findings, however many policies it broke
    expect(smtp.received.filter((m) => m.to.includes('secops@example.test'))).toHaveLength(1);

    // the fix: the weak line goes, the rest of the file stays
    await writeFile(
      rootKeys,
      (await readFile(rootKeys, 'utf8')).replace(`${weak.publicKey}\n`, ''),
    );
    await runJob('scan-full', { hostId, sshdConfigPath: sshd.configPath });
    const resolved = await waitFor('the alert resolved', async () => {
      const a = await weakAlert();
      return a?.state === 'resolved' ? a : null;
    });
    expect(resolved.stateReason).toMatch(/cause gone/);
  });
});
