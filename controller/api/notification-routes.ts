/**
 * /api/v1/notifications: the SMTP server (its password is sealed on arrival and never
 * returned, logged or audited), a test message, the routing rules and the outbox.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound, smtpNotConfigured } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import {
  buildSmtpSettings,
  EMAIL_ADDRESS,
  SMTP_PASSWORD_CONTEXT,
  smtpSettingsView,
} from '../notify/email-smtp-settings';
import { sendThroughSmtp } from '../notify/email-transport';
import { secretBoxFor } from '../secrets/secret-boxes';
import { newId } from '../store/ids';
import { OUTBOX_STATES, type NotificationRuleRecord } from '../store/notification-records';
import { caller, type RequireRole } from './auth';
import {
  OutboxItem,
  Rule,
  RuleBody,
  SmtpSettings,
  SmtpSettingsBody,
  SmtpTestBody,
} from './notification-schemas';
import { parseList } from './parse-query';
import { IdParams, Page, PageQuery, errors } from './schemas';

const checkAddress = (field: string, value: string) => {
  if (!EMAIL_ADDRESS.test(value))
    throw invalidInput(`${field}: ${JSON.stringify(value)} is not an email address`, {
      details: { field, value, expected: 'an email address' },
    });
};

export function registerNotificationRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['notifications'];
  const box = () => secretBoxFor(s.config);
  const smtpOrFail = async () => {
    const smtp = await s.store.notifications.getSmtp();
    if (!smtp)
      throw smtpNotConfigured('no SMTP server is configured: keywarden notifications smtp set');
    return smtp;
  };

  r.get(
    '/api/v1/notifications/smtp',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The SMTP server (without its password)',
        response: { 200: SmtpSettings, ...errors },
      },
    },
    async () => smtpSettingsView(await smtpOrFail()),
  );
  r.put(
    '/api/v1/notifications/smtp',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Set the SMTP server; the password is sealed with the master key',
        body: SmtpSettingsBody,
        response: { 200: SmtpSettings, ...errors },
      },
    },
    async (req) => {
      const now = Date.now();
      const { actor } = caller(req);
      const current = await s.store.notifications.getSmtp();
      const next = buildSmtpSettings(req.body, current, box(), actor, now);
      await s.store.notifications.putSmtp(next);
      const view = smtpSettingsView(next);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'notifications.smtp.set',
        subject: 'smtp',
        details: {
          host: view.host,
          port: view.port,
          security: view.security,
          username: view.username,
          from: view.from,
          passwordSet: view.passwordSet,
          passwordChanged: req.body.password !== undefined,
        },
      });
      return view;
    },
  );
  r.post(
    '/api/v1/notifications/smtp/test',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Send a test message now (not through the outbox) and return what the server said',
        body: SmtpTestBody,
        response: { 200: Type.Object({ to: Type.String(), response: Type.String() }), ...errors },
      },
    },
    async (req) => {
      checkAddress('to', req.body.to);
      const smtp = await smtpOrFail();
      const password = smtp.passwordSealed
        ? box().open(smtp.passwordSealed, SMTP_PASSWORD_CONTEXT)
        : null;
      const { actor } = caller(req);
      const now = Date.now();
      const { response } = await sendThroughSmtp(
        smtp,
        password,
        {
          to: req.body.to,
          subject: '[Keywarden] SMTP test message',
          text: `This is a test message sent by ${actor} through ${smtp.host}:${smtp.port} (${smtp.security}).`,
          html: '<p>This is a test message from Keywarden.</p>',
          messageId: `<kw.test.${newId(now)}@${smtp.from.split('@')[1] ?? 'keywarden.invalid'}>`,
        },
        s.config.smtpTimeoutMs,
      );
      await s.store.audit.append({
        at: now,
        actor,
        action: 'notifications.smtp.test',
        subject: 'smtp',
        details: { to: req.body.to, response },
      });
      return { to: req.body.to, response };
    },
  );
  r.get(
    '/api/v1/notifications/rules',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Who receives which alerts',
        response: { 200: Type.Object({ items: Type.Array(Rule) }), ...errors },
      },
    },
    async () => ({ items: await s.store.notifications.listRules() }),
  );
  r.post(
    '/api/v1/notifications/rules',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Add a routing rule',
        body: RuleBody,
        response: { 201: Rule, ...errors },
      },
    },
    async (req, reply) => {
      req.body.recipients.forEach((a, i) => checkAddress(`recipients[${i}]`, a));
      const now = Date.now();
      const { actor } = caller(req);
      const rule: NotificationRuleRecord = {
        id: `rule_${newId(now)}`,
        name: req.body.name,
        recipients: [...new Set(req.body.recipients.map((a) => a.toLowerCase()))],
        minSeverity: req.body.minSeverity ?? 'warning',
        policyIds: req.body.policyIds ?? [],
        groupIds: req.body.groupIds ?? [],
        applicationIds: req.body.applicationIds ?? [],
        alertTypes: req.body.alertTypes ?? [],
        events: [...new Set(req.body.events ?? (['raised', 'reopened'] as const))],
        createdAt: now,
        createdBy: actor,
      };
      await s.store.notifications.addRule(rule);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'notifications.rule.add',
        subject: rule.id,
        details: { ...rule },
      });
      return reply.code(201).send(rule);
    },
  );
  r.delete(
    '/api/v1/notifications/rules/:id',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Remove a routing rule',
        params: IdParams,
        response: { 200: Type.Object({ removed: Type.String() }), ...errors },
      },
    },
    async (req) => {
      if (!(await s.store.notifications.removeRule(req.params.id)))
        throw notFound(`no notification rule ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      await s.store.audit.append({
        at: Date.now(),
        actor: caller(req).actor,
        action: 'notifications.rule.remove',
        subject: req.params.id,
        details: {},
      });
      return { removed: req.params.id };
    },
  );
  r.get(
    '/api/v1/notifications/outbox',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Messages, newest first: state, attempts, last error, Message-ID',
        querystring: Type.Object({
          state: Type.Optional(
            Type.String({ description: 'comma-separated: queued, sending, sent, failed' }),
          ),
          ...PageQuery,
        }),
        response: { 200: Page(OutboxItem), ...errors },
      },
    },
    async (req) => {
      const page = await s.store.notifications.listMessages(
        { state: parseList(req.query.state, 'state', [...OUTBOX_STATES]) },
        { limit: req.query.limit ?? 50, after: req.query.cursor },
      );
      return { ...page, items: page.items.map(({ text: _t, html: _h, ...m }) => m) };
    },
  );
}
