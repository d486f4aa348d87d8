/**
 * The Expiration notification robot warns ahead of expiries by raising `expiry` alerts
 * (authorization, agent certificate, authorized key with expiry-time=), once per object
 * and lead time, resolves them when the object stops expiring, and the Email sender robot
 * mails them to a rule that asks for expiry alerts, through a real SMTP server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair, SIGNING_ALGORITHM, x509 } from '../../../shared/proto/pem-keys';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import { startSmtpTestServer, type SmtpTestServer } from '../../helpers/smtp-test-server';
import { startTestController, type TestController } from '../../helpers/test-controller';

const DAY = 86_400_000;
const WAIT = { timeout: 30_000, interval: 100 };
const FP = `SHA256:${'e'.repeat(43)}`;

const yyyymmdd = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');

describe('expiration notification', () => {
  let smtp: SmtpTestServer;
  let ctl: TestController;
  const run = async (type: string) => {
    const { body } = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params: {} },
    });
    await vi.waitFor(async () => {
      expect((await ctl.services.store.jobs.get(body.job.id))!.state).toBe('completed');
    }, WAIT);
    return (await ctl.services.store.jobs.get(body.job.id))!.result as Record<string, number>;
  };
  const expiryAlerts = async (state = 'open') =>
    (await ctl.api<{ items: AlertRecord[] }>('GET', `/api/v1/alerts?type=expiry&state=${state}`))
      .body.items;

  beforeAll(async () => {
    smtp = await startSmtpTestServer({ username: 'u', password: 'expiry-test-password' });
    ctl = await startTestController({ env: { KEYWARDEN_NOTIFY_DIGEST_WINDOW: '0' } });
    for (const type of ['email-sender', 'expiration-notification'])
      await ctl.api('PATCH', `/api/v1/robots/${type}`, { body: { intervalMs: 86_400_000 } });
    // the start-up runs (joined when still queued: robots are singletons)
    await run('email-sender');
    await run('expiration-notification');
    expect(await ctl.services.store.notifications.getCursor('email')).not.toBeNull();
  });
  afterAll(async () => {
    await ctl?.stop();
    await smtp?.close();
  });

  it('raises one alert per object and lead time, resolves it when the object stops expiring, and mails it', async () => {
    const s = ctl.services.store;
    const now = Date.now();
    const authz = {
      fingerprint: FP,
      publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx alice@laptop',
      source: { kind: 'public-key' as const },
      account: 'deploy',
      target: { hostId: 'hst_exp' },
      options: [],
      onDrift: 'restore' as const,
      state: 'active' as const,
      createdBy: 'token:admin',
      createdAt: now,
      removedBy: null,
      removedAt: null,
      updatedAt: now,
    };
    await s.authorizations.create({ ...authz, id: 'az-soon', expiresAt: now + 5 * DAY });
    await s.authorizations.create({ ...authz, id: 'az-later', expiresAt: now + 60 * DAY });
    await s.agentFleet.agents.create(
      {
        id: 'agt_0123abcd',
        groupId: null,
        enrollmentTokenId: 'tok',
        settings: {
          mode: 'stream',
          connectIntervalMs: 3_600_000,
          maxConcurrentJobs: 4,
          heartbeatIntervalMs: 30_000,
        },
        certificateSerial: '7abc',
        certificateNotAfter: now + 12 * 3_600_000,
        version: '1',
        facts: {},
      },
      now,
    );
    await s.inventory.items.upsert(
      {
        kind: 'authorized-key',
        hostId: 'hst_exp',
        key: `ci|/home/ci/.ssh/authorized_keys|${FP}`,
        account: 'ci',
        fingerprint: FP,
        data: {
          file: '/home/ci/.ssh/authorized_keys',
          line: 3,
          options: [{ name: 'expiry-time', value: `${yyyymmdd(now + 20 * DAY)}Z` }],
          type: 'ssh-ed25519',
          bits: 256,
          comment: 'ci',
          managed: false,
        },
      },
      now,
    );
    // an agent CA certificate that ends in 10 days
    const keys = await generateKeyPair();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=short-lived test CA',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 10 * DAY),
      signingAlgorithm: SIGNING_ALGORITHM,
      keys,
    });
    const caDir = path.join(ctl.services.config.dataDir, 'ca');
    mkdirSync(caDir, { recursive: true });
    writeFileSync(path.join(caDir, 'ca.crt'), ca.toString('pem'));
    await ctl.api('PUT', '/api/v1/notifications/smtp', {
      body: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        from: 'kw@keywarden.test',
        username: 'u',
        password: 'expiry-test-password',
        caCertificate: smtp.caPem,
      },
    });
    await ctl.api('POST', '/api/v1/notifications/rules', {
      body: {
        name: 'expiries',
        recipients: ['pki@example.test'],
        minSeverity: 'info',
        alertTypes: ['expiry'],
      },
    });

    expect(await run('expiration-notification')).toMatchObject({
      warned: 4,
      raised: 4,
      resolved: 0,
    });
    const open = await expiryAlerts();
    const byKey = new Map(open.map((a) => [a.dedupeKey, a]));
    expect([...byKey.keys()].sort()).toEqual([
      'expiry:agent-certificate:agt_0123abcd:1d',
      'expiry:authorization:az-soon:7d',
      'expiry:ca-certificate:agent-ca:30d',
      `expiry:key:hst_exp|authorized-key|ci|/home/ci/.ssh/authorized_keys|${FP}:30d`,
    ]);
    expect(byKey.get('expiry:agent-certificate:agt_0123abcd:1d')?.severity).toBe('critical');
    expect(byKey.get('expiry:authorization:az-soon:7d')).toMatchObject({
      severity: 'warning',
      context: {
        authorizationId: 'az-soon',
        account: 'deploy',
        fingerprint: FP,
        hostId: 'hst_exp',
      },
    });
    // again: nothing new
    expect(await run('expiration-notification')).toMatchObject({
      warned: 4,
      raised: 0,
      resolved: 0,
    });

    expect(await run('email-sender')).toMatchObject({ messages: 1 });
    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), WAIT);
    const text = smtp.received[0]!.parsed.text!;
    expect(text).toContain('authorization az-soon (deploy on hst_exp');
    expect(text).toContain('the certificate of agent agt_0123abcd');
    expect(text).toContain('/home/ci/.ssh/authorized_keys:3');
    expect(text).toContain('the agent CA certificate');

    // the authorization is removed: its warning is resolved, the others stay
    await s.authorizations.transition(
      'az-soon',
      ['active'],
      { state: 'removed', by: 'admin' },
      Date.now(),
    );
    expect(await run('expiration-notification')).toMatchObject({
      warned: 3,
      raised: 0,
      resolved: 1,
    });
    const resolved = await expiryAlerts('resolved');
    expect(resolved.map((a) => a.dedupeKey)).toEqual(['expiry:authorization:az-soon:7d']);
    expect(resolved[0]!.stateBy).toBe('expiration-notification');
  });
});
