import { describe, expect, it } from 'vitest';
import type { NewOutboxMessage } from '../../../controller/store/notification-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;

const message = (id: string, over: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  id,
  messageId: `<${id}@keywarden.test>`,
  recipient: 'ops@example.test',
  subject: 'Keywarden: 1 alert',
  text: 'text',
  html: '<p>html</p>',
  alertIds: ['a1'],
  fromCursor: null,
  toCursor: '5',
  ...over,
});

export function notificationsContract(ctx: ContractContext): void {
  describe('email notification: settings, rules, outbox, feed cursors', () => {
    it('keeps one SMTP settings record, replaced whole', async () => {
      const { store } = ctx.get();
      expect(await store.notifications.getSmtp()).toBeNull();
      const s = {
        host: 'mail.example.test',
        port: 587,
        security: 'starttls' as const,
        username: 'kw',
        passwordSealed: 'kw1:abc:def',
        from: 'keywarden@example.test',
        caCertificate: null,
        updatedAt: T0,
        updatedBy: 'alice',
      };
      await store.notifications.putSmtp(s);
      await store.notifications.putSmtp({ ...s, port: 465, security: 'tls', updatedAt: T0 + 1 });
      expect(await store.notifications.getSmtp()).toEqual({
        ...s,
        port: 465,
        security: 'tls',
        updatedAt: T0 + 1,
      });
    });

    it('adds, lists and removes rules; a duplicate id is a conflict', async () => {
      const { store } = ctx.get();
      const rule = {
        id: 'r-b',
        name: 'critical to ops',
        recipients: ['ops@example.test'],
        minSeverity: 'critical' as const,
        policyIds: ['p1'],
        groupIds: [],
        applicationIds: [],
        alertTypes: [],
        events: ['raised' as const],
        createdAt: T0,
        createdBy: 'alice',
      };
      await store.notifications.addRule(rule);
      await store.notifications.addRule({ ...rule, id: 'r-a', groupIds: ['g1'] });
      await expect(store.notifications.addRule(rule)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.notifications.listRules()).map((r) => r.id)).toEqual(['r-a', 'r-b']);
      expect((await store.notifications.listRules())[1]).toEqual(rule);
      expect(await store.notifications.removeRule('r-a')).toBe(true);
      expect(await store.notifications.removeRule('r-a')).toBe(false);
      expect((await store.notifications.listRules()).map((r) => r.id)).toEqual(['r-b']);
      await store.notifications.removeRule('r-b');
    });

    it('stores a message once per id and moves it queued -> sending -> sent only', async () => {
      const { store } = ctx.get();
      const first = await store.notifications.addMessage(message('m-1'), T0);
      expect(first).toMatchObject({ created: true, message: { state: 'queued', attempts: 0 } });
      const again = await store.notifications.addMessage(
        message('m-1', { subject: 'other' }),
        T0 + 5,
      );
      expect(again.created).toBe(false);
      expect(again.message).toMatchObject({ subject: 'Keywarden: 1 alert', createdAt: T0 });
      expect(await store.notifications.markSending('m-1', T0 + 10)).toMatchObject({
        state: 'sending',
        attempts: 1,
      });
      // a crash mid-send leaves it sending: the next attempt may take it again
      expect(await store.notifications.markSending('m-1', T0 + 20)).toMatchObject({
        state: 'sending',
        attempts: 2,
      });
      await store.notifications.noteFailure('m-1', 'SMTP_FAILED: 451 try later', false, T0 + 21);
      expect(await store.notifications.getMessage('m-1')).toMatchObject({
        state: 'sending',
        lastError: 'SMTP_FAILED: 451 try later',
      });
      expect(await store.notifications.markSent('m-1', '250 queued as X', T0 + 30)).toBe(true);
      expect(await store.notifications.markSent('m-1', '250 again', T0 + 31)).toBe(false);
      expect(await store.notifications.markSending('m-1', T0 + 40)).toBeNull();
      await store.notifications.noteFailure('m-1', 'late', true, T0 + 41);
      expect(await store.notifications.getMessage('m-1')).toMatchObject({
        state: 'sent',
        serverResponse: '250 queued as X',
        sentAt: T0 + 30,
        lastError: null,
        messageId: '<m-1@keywarden.test>',
        alertIds: ['a1'],
      });
      await store.notifications.addMessage(message('m-2'), T0 + 50);
      await store.notifications.markSending('m-2', T0 + 51);
      await store.notifications.noteFailure(
        'm-2',
        'SMTP_REJECTED: 550 no such user',
        true,
        T0 + 52,
      );
      expect(await store.notifications.getMessage('m-2')).toMatchObject({ state: 'failed' });
      // an operator's retry takes a failed message again
      expect(await store.notifications.markSending('m-2', T0 + 53)).toMatchObject({
        state: 'sending',
        attempts: 2,
      });
      expect(await store.notifications.getMessage('missing')).toBeNull();
    });

    it('lists messages newest first, by state, page by page', async () => {
      const { store } = ctx.get();
      for (let i = 0; i < 3; i++)
        await store.notifications.addMessage(message(`p-${i}`), T0 + 1000 + i);
      const first = await store.notifications.listMessages({ state: ['queued'] }, { limit: 2 });
      expect(first.items.map((m) => m.id)).toEqual(['p-2', 'p-1']);
      const second = await store.notifications.listMessages(
        { state: ['queued'] },
        { limit: 2, after: first.nextCursor! },
      );
      expect(second.items.map((m) => m.id)).toEqual(['p-0']);
      expect(second.nextCursor).toBeNull();
      const sending = await store.notifications.listMessages({ state: ['sending'] }, { limit: 10 });
      expect(sending.items.map((m) => m.id)).toEqual(['m-2']);
      const sent = await store.notifications.listMessages({ state: ['sent'] }, { limit: 10 });
      expect(sent.items.map((m) => m.id)).toEqual(['m-1']);
    });

    it('purges sent and failed messages created before a time, never queued or sending ones', async () => {
      const { store } = ctx.get();
      await store.notifications.addMessage(message('old-sent'), T0 - 10);
      await store.notifications.markSending('old-sent', T0 - 9);
      await store.notifications.markSent('old-sent', '250', T0 - 8);
      await store.notifications.addMessage(message('old-queued'), T0 - 10);
      expect(await store.notifications.purgeMessages(T0 - 9)).toBe(1);
      expect(await store.notifications.getMessage('old-sent')).toBeNull();
      expect(await store.notifications.getMessage('old-queued')).not.toBeNull();
      expect(await store.notifications.getMessage('m-1')).not.toBeNull();
    });

    it('keeps a cursor per feed consumer', async () => {
      const { store } = ctx.get();
      expect(await store.notifications.getCursor('email')).toBeNull();
      await store.notifications.putCursor({
        consumer: 'email',
        cursor: null,
        pendingTo: '12',
        updatedAt: T0,
      });
      await store.notifications.putCursor({
        consumer: 'email',
        cursor: '12',
        pendingTo: null,
        updatedAt: T0 + 1,
      });
      expect(await store.notifications.getCursor('email')).toEqual({
        consumer: 'email',
        cursor: '12',
        pendingTo: null,
        updatedAt: T0 + 1,
      });
    });
  });
}
