/** What the approval tests share: SMTP set on a controller, and the tokens of a received email. */
import { ImapFlow } from 'imapflow';
import { expect, vi } from 'vitest';
import type { TestDovecot } from '../../helpers/dovecot';
import type { SmtpTestServer, ReceivedMail } from '../../helpers/smtp-test-server';
import type { TestController } from '../../helpers/test-controller';

export const SMTP_PASSWORD = 'smtp-Pa55word-approvals-1';
export const WAIT = { timeout: 60_000, interval: 100 };

export async function useSmtp(ctl: TestController, smtp: SmtpTestServer): Promise<void> {
  const res = await ctl.api('PUT', '/api/v1/notifications/smtp', {
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
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** The approval email for `requestId` that reached `to`, once it has arrived. */
export async function approvalMail(
  smtp: SmtpTestServer,
  requestId: string,
  to: string,
): Promise<ReceivedMail> {
  return vi.waitFor(() => {
    const m = smtp.received.find(
      (r) => r.to.includes(to) && (r.parsed.text ?? '').includes(`Request: ${requestId}`),
    );
    expect(m, `approval mail of ${requestId} to ${to}`).toBeDefined();
    return m as ReceivedMail;
  }, WAIT);
}

/** The approve, deny and reply tokens of an approval email, as the approver reads them. */
export function tokensOf(mail: ReceivedMail): { approve: string; deny: string; reply: string } {
  const text = mail.parsed.text ?? '';
  const link = (label: string) => {
    const m = new RegExp(`${label}:\\s+(\\S+)`).exec(text);
    const url = m?.[1] ?? '';
    return decodeURIComponent(url.slice(url.indexOf('#') + 1));
  };
  const reply = /Reply token: (\S+)/.exec(text)?.[1] ?? '';
  return { approve: link('Approve'), deny: link('Deny'), reply };
}

/** What the approver's mail server does: their reply lands in the inbox (IMAP APPEND). */
export async function deliverReply(
  imap: TestDovecot,
  from: string,
  subject: string,
  text: string,
): Promise<void> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: imap.port,
    secure: true,
    auth: { user: imap.user, pass: imap.password },
    tls: { ca: imap.caPem },
    logger: false,
  });
  await c.connect();
  await c.append(
    'INBOX',
    [
      `From: ${from}`,
      'To: approvals@keywarden.test',
      `Subject: ${subject}`,
      `Message-ID: <${Math.random().toString(36).slice(2)}@mail.example.test>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      text.replace(/\n/g, '\r\n'),
      '',
    ].join('\r\n'),
  );
  await c.logout();
}

/** Points the controller's Email collector at the test Dovecot. */
export async function useInbox(ctl: TestController, imap: TestDovecot): Promise<void> {
  const res = await ctl.api('PUT', '/api/v1/notifications/imap', {
    body: {
      host: '127.0.0.1',
      port: imap.port,
      security: 'tls',
      username: imap.user,
      password: imap.password,
      caCertificate: imap.caPem,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
