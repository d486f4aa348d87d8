/**
 * /api/v1/notifications/imap: the inbox the Email collector reads approvers' replies from.
 * The password is sealed on arrival and never returned, logged or audited.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../shared/errors';
import { buildImapSettings, imapSettingsView } from '../approvals/imap-settings';
import type { ControllerServices } from '../controller-services';
import { secretBoxFor } from '../secrets/secret-boxes';
import { IMAP_SECURITY } from '../store/approval-records';
import { caller, type RequireRole } from './auth';
import { Nullable, errors } from './schemas';

const Security = Type.Union(IMAP_SECURITY.map((s) => Type.Literal(s)));

const ImapSettings = Type.Object({
  host: Type.String(),
  port: Type.Integer(),
  security: Security,
  username: Type.String(),
  passwordSet: Type.Boolean(),
  mailbox: Type.String(),
  processedMailbox: Nullable(Type.String()),
  caCertificate: Nullable(Type.String()),
  updatedAt: Type.Integer(),
  updatedBy: Type.String(),
});

const ImapSettingsBody = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Optional(Type.Integer()),
    security: Security,
    username: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
    mailbox: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    processedMailbox: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    caCertificate: Type.Optional(Nullable(Type.String({ maxLength: 65_536 }))),
  },
  { additionalProperties: false },
);

export function registerImapRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['approvals'];

  r.get(
    '/api/v1/notifications/imap',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The inbox approvers reply to (without the password)',
        response: { 200: ImapSettings, ...errors },
      },
    },
    async () => {
      const current = await s.store.approvals.getImap();
      if (!current) throw notFound('no IMAP inbox is configured');
      return imapSettingsView(current);
    },
  );

  r.put(
    '/api/v1/notifications/imap',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Set the inbox email-collector reads; the password is sealed at once',
        body: ImapSettingsBody,
        response: { 200: ImapSettings, ...errors },
      },
    },
    async (req) => {
      const { actor } = caller(req);
      const now = Date.now();
      const current = await s.store.approvals.getImap();
      const next = buildImapSettings(req.body, current, secretBoxFor(s.config), actor, now);
      await s.store.approvals.putImap(next);
      const { caCertificate, ...shown } = imapSettingsView(next);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'notifications.imap.set',
        subject: 'imap',
        details: {
          ...shown,
          caCertificateSet: caCertificate !== null,
          passwordChanged: req.body.password !== undefined,
        },
      });
      return imapSettingsView(next);
    },
  );
}
