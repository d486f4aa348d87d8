/**
 * Reminders and escalation before the deadline, through a real SMTP server, with the
 * engine's clock moved instead of waiting: once 75% of a request's wait has passed, the
 * approvers who have not decided get one reminder with fresh links, the policy's
 * escalation approver is asked too and counts toward its rule; a second run sends
 * nothing; a request decided before then reminds nobody.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApprovalRequestRecord } from '../../../controller/store/approval-records';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import type { AuditRecord } from '../../../controller/store/records';
import type { ReceivedMail, SmtpTestServer } from '../../helpers/smtp-test-server';
import { startSmtpTestServer } from '../../helpers/smtp-test-server';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi } from '../authorizations/authorization-fleet';
import { approvalMail, SMTP_PASSWORD, tokensOf, useSmtp, WAIT } from './approval-fixture';

const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDq9Ld6G1n3uuQ8uYx0c6s4zQKJv0bO5Q4wq0o0Ym1Xk alice@laptop';
const HOUR = 3_600_000;

describe('approval reminders and escalation', { timeout: 180_000 }, () => {
  let smtp: SmtpTestServer;
  let ctl: TestController;
  let offset = 0;
  const api = fleetApi(() => ctl);

  const request = async () => {
    const res = await ctl.api<{ approval: ApprovalRequestRecord }>(
      'POST',
      '/api/v1/authorizations',
      { body: { publicKey: KEY, account: 'deploy', groupId: 'web' } },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.approval;
  };
  const decide = (token: string) =>
    ctl.api<{ state?: string; error?: { message: string } }>('POST', '/approval-links/decide', {
      body: { token },
      token: null,
    });
  /** The approval robot, run now at the engine's (moved) clock. */
  const sweep = async () => {
    const j = await api.runJob('internal-expire-approvals', null, {});
    expect(j.state, JSON.stringify(j.error)).toBe('completed');
  };
  const mailsOf = (id: string, subject: string) =>
    smtp.received.filter(
      (m) =>
        (m.parsed.subject ?? '').includes(subject) &&
        (m.parsed.text ?? '').includes(`Request: ${id}`),
    );
  const mailTo = (id: string, subject: string, to: string) =>
    vi.waitFor(() => {
      const m = mailsOf(id, subject).find((x) => x.to.includes(to));
      expect(m, `${subject} of ${id} to ${to}`).toBeDefined();
      return m as ReceivedMail;
    }, WAIT);
  const audit = async (action: string, subject: string) =>
    (
      await ctl.api<{ items: AuditRecord[] }>(
        'GET',
        `/api/v1/audit?action=${action}&subject=${subject}`,
      )
    ).body.items;

  beforeAll(async () => {
    smtp = await startSmtpTestServer({ username: 'kw-mailer', password: SMTP_PASSWORD });
    // The engine's clock: every robot's ctx.now. The API and the links keep real time.
    ctl = await startTestController({ clock: () => Date.now() + offset });
    await useSmtp(ctl, smtp);
    await ctl.services.store.hostGroups.create(
      { id: 'web', name: 'web', description: 'test group', scanIntervalsMs: NO_OVERRIDES },
      Date.now(),
    );
    const policy = await ctl.api('PUT', '/api/v1/approval-policies/web', {
      body: {
        approvers: [
          { name: 'ann', email: 'ann@example.test' },
          { name: 'bob', email: 'bob@example.test' },
          { name: 'carol', email: 'carol@example.test' },
        ],
        required: 2,
        ttlMs: 4 * HOUR,
        escalateTo: [{ name: 'dave', email: 'dave@example.test' }],
      },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
    expect(policy.body).toMatchObject({ escalateTo: [{ name: 'dave' }] });
  });
  afterAll(async () => {
    await ctl?.stop();
    await smtp?.close();
  });

  it('refuses an escalation approver who is already an approver', async () => {
    const res = await ctl.api<{ error: { message: string } }>(
      'PUT',
      '/api/v1/approval-policies/web',
      {
        body: {
          approvers: [{ name: 'ann', email: 'ann@example.test' }],
          escalateTo: [{ name: 'ann', email: 'ann@example.test' }],
        },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('escalateTo: ann is already an approver');
    const kept = await ctl.api<{ items: Array<{ escalateTo?: unknown[] }> }>(
      'GET',
      '/api/v1/approval-policies',
    );
    expect(kept.body.items[0]?.escalateTo).toHaveLength(1);
  });

  it('reminds the undecided approvers once, near the deadline, and escalates; the escalation approver counts', async () => {
    offset = 0;
    const a = await request();
    const ann = tokensOf(await approvalMail(smtp, a.id, 'ann@example.test'));
    await approvalMail(smtp, a.id, 'bob@example.test');
    expect((await decide(ann.approve)).body.state).toBe('pending'); // 1 of 2

    // Half-way: not yet.
    offset = 2 * HOUR;
    await sweep();
    expect(mailsOf(a.id, 'Reminder')).toEqual([]);
    expect(await audit('approval.reminded', a.id)).toEqual([]);

    // 80% of the wait has passed: bob and carol are reminded, ann (decided) is not, dave is asked.
    offset = 3.2 * HOUR;
    await sweep();
    const bob = await mailTo(a.id, 'Reminder: approval needed', 'bob@example.test');
    await mailTo(a.id, 'Reminder: approval needed', 'carol@example.test');
    const dave = await mailTo(a.id, 'Escalated: approval needed', 'dave@example.test');
    expect(bob.parsed.text).toContain('still waits for your decision');
    expect(bob.parsed.text).toContain(`Decide before: ${new Date(a.expiresAt).toISOString()}`);
    const [reminded] = await audit('approval.reminded', a.id);
    expect(reminded?.details.approvers).toEqual(['bob', 'carol']);
    const [escalated] = await audit('approval.escalated', a.id);
    expect(escalated?.details.approvers).toEqual(['dave <dave@example.test>']);

    // Sent once: a second run (and the scheduler's) sends nothing more.
    await sweep();
    expect(mailsOf(a.id, 'Reminder').length + mailsOf(a.id, 'Escalated').length).toBe(3);
    expect(await audit('approval.reminded', a.id)).toHaveLength(1);
    expect(mailsOf(a.id, 'Reminder').some((m) => m.to.includes('ann@example.test'))).toBe(false);

    // The escalation approver's link decides, and counts toward the policy's rule.
    const shown = await ctl.api<{ approval: ApprovalRequestRecord }>(
      'GET',
      `/api/v1/approvals/${a.id}`,
    );
    expect(shown.body.approval.rules).toEqual([
      { source: 'policy:web', approvers: ['ann', 'bob', 'carol', 'dave'], required: 2 },
    ]);
    const approved = await decide(tokensOf(dave).approve);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.state).toBe('approved');
    // A reminder's link is one more token of that approver: used after the decision, refused.
    const late = await decide(tokensOf(bob).approve);
    expect(late.status).toBe(403);
    expect(late.body.error?.message).toContain('the request is approved');
  });

  it('reminds nobody of a request decided before the reminders are due', async () => {
    offset = 0;
    const a = await request();
    const bob = tokensOf(await approvalMail(smtp, a.id, 'bob@example.test'));
    expect((await decide(bob.deny)).body.state).toBe('denied');
    offset = 3.5 * HOUR;
    await sweep();
    expect(mailsOf(a.id, 'Reminder')).toEqual([]);
    expect(mailsOf(a.id, 'Escalated')).toEqual([]);
  });
});
