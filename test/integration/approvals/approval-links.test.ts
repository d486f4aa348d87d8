/**
 * Approvals through the links and the API, on a real controller that mails approvers
 * through a real SMTP server: a grant to a host group with a policy waits (no
 * authorization, no job) until enough approvers approve; a link works once (a replay, a
 * forged, an expired or a reply token is refused and audited); one deny ends a request;
 * the API lets an approver decide as the name of their token, and nobody else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequestRecord } from '../../../controller/store/approval-records';
import type { AuditRecord, JobRecord } from '../../../controller/store/records';
import { openApprovalRequest } from '../../../controller/approvals/open-approval';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import { startSmtpTestServer, type SmtpTestServer } from '../../helpers/smtp-test-server';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { approvalMail, SMTP_PASSWORD, tokensOf, useSmtp } from './approval-fixture';

const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDq9Ld6G1n3uuQ8uYx0c6s4zQKJv0bO5Q4wq0o0Ym1Xk alice@laptop';

type Shown = { approval: ApprovalRequestRecord; decisions: Array<{ approver: string }> };

describe('approvals by link and by API', { timeout: 120_000 }, () => {
  let smtp: SmtpTestServer;
  let ctl: TestController;
  let bobToken = '';
  let malloryToken = '';

  const request = async (body: Record<string, unknown> = {}) => {
    const res = await ctl.api<{ approval?: ApprovalRequestRecord; authorization?: unknown }>(
      'POST',
      '/api/v1/authorizations',
      { body: { publicKey: KEY, account: 'deploy', groupId: 'web', ...body } },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.authorization).toBeUndefined();
    return res.body.approval as ApprovalRequestRecord;
  };
  const decide = (token: string) =>
    ctl.api<{ id?: string; state?: string; error?: { code: string; message: string } }>(
      'POST',
      '/approval-links/decide',
      { body: { token }, token: null },
    );
  const show = async (id: string) => (await ctl.api<Shown>('GET', `/api/v1/approvals/${id}`)).body;
  const refusals = async (id: string) =>
    (
      await ctl.api<{ items: AuditRecord[] }>(
        'GET',
        `/api/v1/audit?action=approval.refused&subject=${id}`,
      )
    ).body.items.map((a) => a.details.reason);
  const authorizations = async () =>
    (await ctl.api<{ items: Array<{ id: string }> }>('GET', '/api/v1/authorizations')).body.items;
  const jobsOfType = async (type: string) =>
    (await ctl.api<{ items: JobRecord[] }>('GET', `/api/v1/jobs?type=${type}`)).body.items;

  beforeAll(async () => {
    smtp = await startSmtpTestServer({ username: 'kw-mailer', password: SMTP_PASSWORD });
    ctl = await startTestController();
    await useSmtp(ctl, smtp);
    await ctl.services.store.hostGroups.create(
      { id: 'web', name: 'web', description: 'test group', scanIntervalsMs: NO_OVERRIDES },
      Date.now(),
    );
    for (const name of ['bob', 'mallory']) {
      const { body } = await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
        body: { name, role: 'operator' },
      });
      if (name === 'bob') bobToken = body.secret;
      else malloryToken = body.secret;
    }
    const policy = await ctl.api('PUT', '/api/v1/approval-policies/web', {
      body: {
        approvers: [
          { name: 'ann', email: 'Ann@Example.test' },
          { name: 'bob', email: 'bob@example.test' },
        ],
        required: 2,
      },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
  });
  afterAll(async () => {
    await ctl?.stop();
    await smtp?.close();
  });

  it('holds a grant to a group with a policy: nothing stored or queued, each approver mailed', async () => {
    const a = await request({ reason: 'release 4.2' });
    expect(a).toMatchObject({ state: 'pending', account: 'deploy', target: { groupId: 'web' } });
    expect(a.approvers.map((x) => x.email)).toEqual(['ann@example.test', 'bob@example.test']);
    expect(await authorizations()).toEqual([]);
    expect(await jobsOfType('add-authorizations')).toEqual([]);
    const mail = await approvalMail(smtp, a.id, 'ann@example.test');
    expect(mail.parsed.subject).toContain('Approval needed: deploy on host group web');
    expect(mail.parsed.text).toContain('Reason: release 4.2');
    const t = tokensOf(mail);
    expect(t.approve).toMatch(/^kwa1\./);
    // The outbox keeps the message sealed: its tokens are in no record in clear.
    const stored = await ctl.services.store.notifications.getMessage(`apr-${a.id}-0`);
    for (const field of [stored?.subject, stored?.text, stored?.html])
      expect(field).toMatch(/^kw1:/);
    const listed = await ctl.api<{ items: Array<{ subject: string }> }>(
      'GET',
      '/api/v1/notifications/outbox',
    );
    expect(JSON.stringify(listed.body)).not.toContain(t.approve);
  });

  it('approves by link once: a replay, a forged, a reply token and a non-approver are refused and audited', async () => {
    const a = await request();
    const ann = tokensOf(await approvalMail(smtp, a.id, 'ann@example.test'));
    const bob = tokensOf(await approvalMail(smtp, a.id, 'bob@example.test'));

    // The email's link opens a page (the token stays in the fragment, never sent); its
    // script checks the token, then decides on a click, as the calls below do.
    const page = await fetch(`${ctl.url}/approval-links`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="/approval-links/page.js"');
    const script = await (await fetch(`${ctl.url}/approval-links/page.js`)).text();
    expect(script).toContain('location.hash');
    const check = await ctl.api<{ ok: boolean; action: string }>('POST', '/approval-links/check', {
      body: { token: ann.approve },
      token: null,
    });
    expect(check.body).toMatchObject({ ok: true, action: 'approve' });
    expect((await show(a.id)).decisions).toEqual([]); // checking decides nothing

    const first = await decide(ann.approve);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ id: a.id, state: 'pending' }); // 1 of 2

    const replay = await decide(ann.approve);
    expect(replay.status).toBe(403);
    expect(replay.body.error?.code).toBe('APPROVAL_REFUSED');
    const other = await decide(ann.deny);
    expect(other.status).toBe(403);
    const last = bob.approve.slice(-1) === 'A' ? 'B' : 'A';
    const forged = await decide(`${bob.approve.slice(0, -1)}${last}`);
    expect(forged.status).toBe(403);
    const asLink = await decide(bob.reply);
    expect(asLink.status).toBe(403);
    const mallory = await ctl.api(`POST`, `/api/v1/approvals/${a.id}/approve`, {
      token: malloryToken,
    });
    expect(mallory.status).toBe(403);
    expect((await show(a.id)).approval.state).toBe('pending');
    expect(await authorizations()).toEqual([]);
    const reasons = await refusals(a.id);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'the token was already used',
        'ann has already decided',
        'a reply token is not a link',
        'mallory is not an approver of this request',
      ]),
    );
    // A forged token names no request it can be trusted for: audited under what it claims.
    const all = await ctl.api<{ items: AuditRecord[] }>(
      'GET',
      '/api/v1/audit?action=approval.refused',
    );
    expect(all.body.items.map((x) => x.details.reason)).toContain('the token is forged');
    expect(JSON.stringify(all.body)).not.toContain(bob.approve.split('.')[6] as string);

    const approved = await decide(bob.approve);
    expect(approved.body).toEqual({ id: a.id, state: 'approved' });
    const done = await show(a.id);
    expect(done.approval.outcome?.authorizationId).toEqual(expect.any(String));
    expect(done.decisions.map((d) => d.approver)).toEqual(['ann', 'bob']);
    expect((await authorizations()).map((x) => x.id)).toEqual([
      done.approval.outcome?.authorizationId,
    ]);
    const audit = await ctl.api<{ items: AuditRecord[] }>(
      'GET',
      `/api/v1/audit?subject=${done.approval.outcome?.authorizationId}`,
    );
    expect(audit.body.items[0]).toMatchObject({
      action: 'authorization.create',
      details: { approvalRequestId: a.id },
    });
  });

  it('ends a request at the first deny (API, as the approver named like the token)', async () => {
    const before = (await authorizations()).length;
    const a = await request();
    const ann = tokensOf(await approvalMail(smtp, a.id, 'ann@example.test'));
    const denied = await ctl.api<Shown>('POST', `/api/v1/approvals/${a.id}/deny`, {
      token: bobToken,
    });
    expect(denied.status, JSON.stringify(denied.body)).toBe(200);
    expect(denied.body.approval.state).toBe('denied');
    const late = await decide(ann.approve);
    expect(late.status).toBe(403);
    expect(await refusals(a.id)).toContain('the request is denied');
    expect((await authorizations()).length).toBe(before);
  });

  it('does not let the one who asked approve their own grant', async () => {
    const { body } = await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
      body: { name: 'ann', role: 'operator' },
    });
    const res = await ctl.api<{ approval: ApprovalRequestRecord }>(
      'POST',
      '/api/v1/authorizations',
      { body: { publicKey: KEY, account: 'deploy', groupId: 'web' }, token: body.secret },
    );
    expect(res.status).toBe(202);
    const own = await ctl.api('POST', `/api/v1/approvals/${res.body.approval.id}/approve`, {
      token: body.secret,
    });
    expect(own.status).toBe(403);
    const ann = tokensOf(await approvalMail(smtp, res.body.approval.id, 'ann@example.test'));
    expect((await decide(ann.approve)).status).toBe(403);
    expect(await refusals(res.body.approval.id)).toContain(
      'ann asked for this grant and cannot decide on it',
    );
    expect((await show(res.body.approval.id)).approval.state).toBe('pending');
  });

  it('refuses a link after its deadline and expires the request, which never applies', async () => {
    const now = Date.now();
    // Opened two hours ago with one hour to wait: its deadline has passed.
    const a = await openApprovalRequest(
      ctl.services,
      {
        subject: {
          kind: 'authorization',
          request: { publicKey: KEY, account: 'deploy', groupId: 'web', options: [] },
        },
        subjectKey: null,
        fingerprint: 'SHA256:test',
        account: 'deploy',
        target: { groupId: 'web' },
        requester: 'test',
        reason: null,
        need: {
          approvers: [{ name: 'ann', email: 'ann@example.test', personId: null }],
          rules: [{ source: 'request', approvers: ['ann'], required: 1 }],
          ttlMs: 3_600_000,
        },
      },
      now - 7_200_000,
    );
    const ann = tokensOf(await approvalMail(smtp, a.id, 'ann@example.test'));
    const late = await decide(ann.approve);
    expect(late.status).toBe(403);
    expect(await refusals(a.id)).toContain('the token is expired');
    const viaApi = await ctl.api('POST', `/api/v1/approvals/${a.id}/approve`, {
      body: {},
    });
    expect(viaApi.status).toBe(403); // the admin token is not an approver either
    const run = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'internal-expire-approvals', params: {} },
    });
    expect(run.status).toBe(201);
    await expect
      .poll(async () => (await show(a.id)).approval.state, { timeout: 30_000 })
      .toBe('expired');
  });

  it('asks the approvers a request names, even without a policy, and lists requests by state', async () => {
    await ctl.services.store.hostGroups.create(
      { id: 'db', name: 'db', description: 'no policy', scanIntervalsMs: NO_OVERRIDES },
      Date.now(),
    );
    const bad = await ctl.api<{ error: { code: string; message: string } }>(
      'POST',
      '/api/v1/authorizations',
      {
        body: {
          publicKey: KEY,
          account: 'deploy',
          groupId: 'db',
          approval: { approvers: [{ name: 'ann', email: 'not-an-address' }] },
        },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('approval.approvers[0].email');
    const a = await request({
      groupId: 'db',
      approval: { approvers: [{ name: 'carol', email: 'carol@example.test' }] },
    });
    expect(a.rules).toEqual([{ source: 'request', approvers: ['carol'], required: 1 }]);
    const pending = await ctl.api<{ items: ApprovalRequestRecord[] }>(
      'GET',
      '/api/v1/approvals?state=pending',
    );
    expect(pending.body.items.map((x) => x.id)).toContain(a.id);
    expect(JSON.stringify(pending.body)).not.toContain('"tokens"');
  });
});
