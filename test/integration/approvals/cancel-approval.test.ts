/**
 * Cancelling a pending request by hand, on a controller that mails approvers through a
 * real SMTP server and reads replies from a real Dovecot: only the token that asked (or an
 * admin) may cancel, with a reason; the cancel is audited with who; the request's links
 * then say it was cancelled, and a link, an API decision or a reply by email afterwards is
 * refused and audited; nothing is ever granted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequestRecord } from '../../../controller/store/approval-records';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import type { AuditRecord, JobRecord } from '../../../controller/store/records';
import { startTestDovecot, type TestDovecot } from '../../helpers/dovecot';
import { startSmtpTestServer, type SmtpTestServer } from '../../helpers/smtp-test-server';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi, keywarden } from '../authorizations/authorization-fleet';
import {
  approvalMail,
  deliverReply,
  SMTP_PASSWORD,
  tokensOf,
  useInbox,
  useSmtp,
  WAIT,
} from './approval-fixture';

const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDq9Ld6G1n3uuQ8uYx0c6s4zQKJv0bO5Q4wq0o0Ym1Xk alice@laptop';

type Shown = { approval: ApprovalRequestRecord; decisions: unknown[] };
type Failed = { error: { code: string; message: string } };

describe('cancelling an approval request by hand', { timeout: 180_000 }, () => {
  let smtp: SmtpTestServer;
  let imap: TestDovecot;
  let ctl: TestController;
  const secrets: Record<string, string> = {};
  const api = fleetApi(() => ctl);

  const request = async (token: string) => {
    const res = await ctl.api<{ approval: ApprovalRequestRecord }>(
      'POST',
      '/api/v1/authorizations',
      { body: { publicKey: KEY, account: 'deploy', groupId: 'web' }, token },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.approval;
  };
  const cancel = (id: string, token: string, body: unknown = { reason: 'not needed' }) =>
    ctl.api<Shown & Failed>('POST', `/api/v1/approvals/${id}/cancel`, { body, token });
  const audit = async (action: string, subject: string) =>
    (
      await ctl.api<{ items: AuditRecord[] }>(
        'GET',
        `/api/v1/audit?action=${action}&subject=${subject}&limit=100`,
      )
    ).body.items;

  beforeAll(async () => {
    [smtp, imap] = await Promise.all([
      startSmtpTestServer({ username: 'kw-mailer', password: SMTP_PASSWORD }),
      startTestDovecot(),
    ]);
    ctl = await startTestController();
    await useSmtp(ctl, smtp);
    await useInbox(ctl, imap);
    await ctl.services.store.hostGroups.create(
      { id: 'web', name: 'web', description: 'test group', scanIntervalsMs: NO_OVERRIDES },
      Date.now(),
    );
    for (const [name, role] of [
      ['olga', 'operator'],
      ['oscar', 'operator'],
      ['audrey', 'auditor'],
      ['bob', 'operator'],
    ] as const) {
      const { body } = await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
        body: { name, role },
      });
      secrets[name] = body.secret;
    }
    const policy = await ctl.api('PUT', '/api/v1/approval-policies/web', {
      body: {
        approvers: [
          { name: 'ann', email: 'ann@example.test' },
          { name: 'bob', email: 'bob@example.test' },
        ],
        required: 1,
      },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await ctl?.stop();
    await Promise.all([imap?.stop(), smtp?.close()]);
  });

  it('lets only the token that asked cancel it; afterwards links, API and replies are refused, audited; nothing is granted', async () => {
    const olga = secrets.olga as string;
    const a = await request(olga);
    const ann = tokensOf(await approvalMail(smtp, a.id, 'ann@example.test'));
    const bobMail = await approvalMail(smtp, a.id, 'bob@example.test');

    // Another operator, an auditor: refused (the operator's attempt audited with who).
    const oscar = await cancel(a.id, secrets.oscar as string);
    expect(oscar.status).toBe(403);
    expect(oscar.body.error.code).toBe('FORBIDDEN');
    expect(oscar.body.error.message).toContain('only that token or an admin may cancel it');
    expect((await cancel(a.id, secrets.audrey as string)).status).toBe(403);
    const refused = await audit('approval.cancel-refused', a.id);
    expect(refused.map((x) => x.actor)).toEqual([expect.stringMatching(/^token:oscar#/)]);
    // No reason: a clear 400, nothing changed.
    const bare = await cancel(a.id, olga, { reason: '  ' });
    expect(bare.status).toBe(400);
    expect(bare.body.error.message).toContain('reason');
    expect((await ctl.api<Shown>('GET', `/api/v1/approvals/${a.id}`)).body.approval.state).toBe(
      'pending',
    );

    // Whoever asked cancels, through the CLI.
    const env = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: olga };
    const noReason = await keywarden(['approvals', 'cancel', a.id], env);
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toContain('--reason');
    const done = await keywarden(
      ['approvals', 'cancel', a.id, '--reason', 'wrong key, asking again'],
      env,
    );
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`approval request ${a.id} (cancelled)`);
    expect(done.stdout).toMatch(/cancelled by token:olga#\S+ .*: wrong key, asking again/);
    const [entry, ...more] = await audit('approval.cancelled', a.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actor: expect.stringMatching(/^token:olga#/),
      details: { by: expect.stringMatching(/^token:olga#/), reason: 'wrong key, asking again' },
    });
    // Only a pending request can be cancelled.
    const again = await cancel(a.id, ctl.adminToken);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('is cancelled');

    // The email's link says so, and deciding with it is refused and audited.
    const check = await ctl.api<{ ok: boolean; reason: string }>('POST', '/approval-links/check', {
      body: { token: ann.approve },
      token: null,
    });
    expect(check.body).toEqual({
      ok: false,
      reason: 'the request was cancelled: wrong key, asking again',
    });
    const link = await ctl.api<Failed>('POST', '/approval-links/decide', {
      body: { token: ann.approve },
      token: null,
    });
    expect(link.status).toBe(403);
    expect(link.body.error.message).toContain('the request was cancelled');
    const viaApi = await ctl.api('POST', `/api/v1/approvals/${a.id}/approve`, {
      token: secrets.bob as string,
    });
    expect(viaApi.status).toBe(403);

    // A reply by email afterwards: collected, refused, audited.
    await deliverReply(imap, 'Bob <bob@example.test>', `Re: ${bobMail.parsed.subject}`, 'approve');
    const collected = await api.runJob('email-collector', null, {});
    expect(collected.state, JSON.stringify(collected.error)).toBe('completed');
    await expect
      .poll(
        async () =>
          (await audit('approval.refused', a.id)).map((x) => [x.details.via, x.details.reason]),
        WAIT,
      )
      .toEqual(
        expect.arrayContaining([
          ['email', 'the request was cancelled: wrong key, asking again'],
          ['link', 'the request was cancelled: wrong key, asking again'],
        ]),
      );

    const shown = (await ctl.api<Shown>('GET', `/api/v1/approvals/${a.id}`)).body;
    expect(shown.approval).toMatchObject({
      state: 'cancelled',
      outcome: null,
      cancellation: { reason: 'wrong key, asking again' },
    });
    expect(shown.decisions).toEqual([]);
    const auths = await ctl.api<{ items: unknown[] }>('GET', '/api/v1/authorizations');
    expect(auths.body.items).toEqual([]);
    const jobs = await ctl.api<{ items: JobRecord[] }>(
      'GET',
      '/api/v1/jobs?type=add-authorizations',
    );
    expect(jobs.body.items).toEqual([]);
  });

  it("lets an admin cancel anyone's pending request", async () => {
    const a = await request(secrets.olga as string);
    const res = await cancel(a.id, ctl.adminToken, { reason: 'change freeze' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.approval).toMatchObject({
      state: 'cancelled',
      cancellation: {
        by: expect.stringMatching(/^token:bootstrap-admin#/),
        reason: 'change freeze',
      },
    });
  });
});
