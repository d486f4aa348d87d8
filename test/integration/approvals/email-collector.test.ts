/**
 * The Email collector against Debian's Dovecot: a wrong password fails the run with
 * IMAP_FAILED and marks nothing read; a run takes at most KEYWARDEN_IMAP_MAX_MESSAGES
 * messages and never downloads one over KEYWARDEN_IMAP_MAX_MESSAGE_BYTES (recorded as
 * skipped); read messages are moved to the processed mailbox, which is made when missing.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../controller/store/records';
import { startTestDovecot, type TestDovecot } from '../../helpers/dovecot';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi } from '../authorizations/authorization-fleet';

describe('the email collector reads a real IMAP inbox, bounded', { timeout: 120_000 }, () => {
  let imap: TestDovecot;
  let ctl: TestController;
  const api = fleetApi(() => ctl);
  const withImap = async <T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port: imap.port,
      secure: true,
      auth: { user: imap.user, pass: imap.password },
      tls: { ca: imap.caPem },
      logger: false,
    });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout();
    }
  };
  const count = (mailbox: string, seen?: boolean) =>
    withImap(async (c) => {
      const st = await c.status(mailbox, { messages: true, unseen: true });
      if (!st) throw new Error(`no status of ${mailbox}`);
      return seen === false ? (st.unseen ?? 0) : (st.messages ?? 0);
    });
  const setInbox = (password: string) =>
    ctl.api('PUT', '/api/v1/notifications/imap', {
      body: {
        host: '127.0.0.1',
        port: imap.port,
        security: 'tls',
        username: imap.user,
        password,
        processedMailbox: 'Keywarden-Done',
        caCertificate: imap.caPem,
      },
    });
  const collect = () => api.runJob('email-collector', null, {});

  beforeAll(async () => {
    imap = await startTestDovecot();
    ctl = await startTestController({
      env: { KEYWARDEN_IMAP_MAX_MESSAGES: '2', KEYWARDEN_IMAP_MAX_MESSAGE_BYTES: '2048' },
    });
    await withImap(async (c) => {
      for (const [i, body] of ['first', 'x'.repeat(5000), 'third'].entries())
        await c.append(
          'INBOX',
          `From: ann@example.test\r\nSubject: message ${i}\r\n\r\n${body}\r\n`,
        );
    });
  });
  afterAll(async () => {
    await ctl?.stop();
    await imap?.stop();
  });

  it('fails with IMAP_FAILED on a wrong password and marks nothing read', async () => {
    const set = await setInbox('not-the-password');
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const job: JobRecord = await collect();
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'IMAP_FAILED' });
    expect(JSON.stringify(job)).not.toContain('not-the-password');
    expect(await count('INBOX', false)).toBe(3);
  });

  it('takes at most the per-run limit, skips the oversized one, moves what it read', async () => {
    await setInbox(imap.password);
    const first = await collect();
    expect(first.state, JSON.stringify(first.error)).toBe('completed');
    expect(first.result).toMatchObject({ collected: 2, skippedTooLarge: 1, left: 1 });
    expect(await count('INBOX')).toBe(1);
    expect(await count('Keywarden-Done')).toBe(2);
    const second = await collect();
    expect(second.result).toMatchObject({ collected: 1, skippedTooLarge: 0, left: 0 });
    expect(await count('INBOX')).toBe(0);
    expect(await count('Keywarden-Done')).toBe(3);
    const records = await ctl.services.store.approvals.listInbound({}, 10);
    expect(records).toHaveLength(3);
    expect(records.filter((r) => r.outcome?.startsWith('skipped: '))).toHaveLength(1);
  });
});
