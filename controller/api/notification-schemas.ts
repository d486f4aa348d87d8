/** Request and response schemas of /api/v1/notifications. */
import { Type, type TSchema } from '@sinclair/typebox';
import { SMTP_SECURITY, OUTBOX_STATES } from '../store/notification-records';
import { Nullable } from './schemas';

const Security = Type.Union(SMTP_SECURITY.map((s) => Type.Literal(s)));
const Severity = Type.Union([
  Type.Literal('info'),
  Type.Literal('warning'),
  Type.Literal('critical'),
]);
const EventKind = Type.Union(
  (['raised', 'resolved', 'dismissed', 'reopened'] as const).map((k) => Type.Literal(k)),
);
/**
 * null first: the API's validator coerces types, and with the string first a null would be
 * taken as "" (a password "removed" would become an empty password).
 */
const NullOr = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

const Names = (description: string) =>
  Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100, description }),
  );

export const SmtpSettingsBody = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Optional(Type.Integer({ description: 'default: 587 starttls, 465 tls, 25 none' })),
    security: Security,
    username: Type.Optional(NullOr(Type.String({ maxLength: 200 }))),
    password: Type.Optional(
      NullOr(
        Type.String({
          maxLength: 1000,
          description: 'sealed at once; absent keeps the stored one, null removes it',
        }),
      ),
    ),
    from: Type.String({ minLength: 3, maxLength: 254, description: 'the sender address' }),
    caCertificate: Type.Optional(
      NullOr(Type.String({ maxLength: 100_000, description: 'PEM of a private CA to trust' })),
    ),
  },
  { additionalProperties: false },
);

export const SmtpSettings = Type.Object({
  host: Type.String(),
  port: Type.Integer(),
  security: Security,
  username: Nullable(Type.String()),
  passwordSet: Type.Boolean(),
  from: Type.String(),
  caCertificate: Nullable(Type.String()),
  updatedAt: Type.Integer(),
  updatedBy: Type.String(),
});

export const SmtpTestBody = Type.Object(
  { to: Type.String({ minLength: 3, maxLength: 254 }) },
  { additionalProperties: false },
);

export const RuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    recipients: Type.Array(Type.String({ minLength: 3, maxLength: 254 }), {
      minItems: 1,
      maxItems: 100,
    }),
    minSeverity: Type.Optional(Severity),
    policyIds: Names('only alerts of these policies (context.policyId)'),
    groupIds: Names('only alerts about hosts of these groups (context.groupId)'),
    applicationIds: Names('only alerts about these applications (context.applicationIds)'),
    alertTypes: Names('only alerts of these types (policy, expiry, schedule-late, ...)'),
    events: Type.Optional(
      Type.Array(EventKind, { minItems: 1, maxItems: 4, description: 'default raised, reopened' }),
    ),
  },
  { additionalProperties: false },
);

export const Rule = Type.Object({
  id: Type.String(),
  name: Type.String(),
  recipients: Type.Array(Type.String()),
  minSeverity: Severity,
  policyIds: Type.Array(Type.String()),
  groupIds: Type.Array(Type.String()),
  applicationIds: Type.Array(Type.String()),
  alertTypes: Type.Array(Type.String()),
  events: Type.Array(EventKind),
  createdAt: Type.Integer(),
  createdBy: Type.String(),
});

export const OutboxItem = Type.Object({
  id: Type.String(),
  messageId: Type.String(),
  recipient: Type.String(),
  subject: Type.String(),
  alertIds: Type.Array(Type.String()),
  state: Type.Union(OUTBOX_STATES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  serverResponse: Nullable(Type.String()),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  sentAt: Nullable(Type.Integer()),
});
