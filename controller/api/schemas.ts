/**
 * Request and response schemas of the admin API, declared once: fastify validates with
 * them, the TypeBox provider derives handler types from them, and @fastify/swagger
 * publishes them as the OpenAPI document.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { JOB_STATES, ROLES } from '../store/records';
import { ROBOT_STATUSES } from '../reports/robot-status';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Ms = (description: string) =>
  Type.Integer({ description: `${description} (ms since the epoch)` });
const Id = Type.String({ minLength: 1, maxLength: 200 });

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    retryable: Type.Optional(Type.Boolean()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

export const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  /** Too many failed authentications from this client; see Retry-After. */
  429: ErrorBody,
};

export const IdParams = Type.Object({ id: Id });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
};
/** A moment given as ms since the epoch or an ISO 8601 date; parsed by parseTime. */
export const TimeQuery = (description: string) =>
  Type.Optional(Type.String({ description: `${description}: ISO 8601 or ms since the epoch` }));

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const JobStateSchema = Type.Union(JOB_STATES.map((s) => Type.Literal(s)));

export const Job = Type.Object({
  id: Type.String(),
  type: Type.String(),
  state: JobStateSchema,
  params: Type.Unknown(),
  result: Type.Unknown(),
  error: Nullable(
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      retryable: Type.Boolean(),
      // What the failure was about (the path, the limit, an unknown cause's summary).
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  ),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  priority: Type.Integer(),
  lane: Type.Union([Type.Literal('normal'), Type.Literal('bulk')], {
    description: 'bulk: scheduled host scans, which never take the workers kept for the rest',
  }),
  runAt: Ms('earliest start'),
  deadline: Nullable(Type.Integer()),
  parentId: Nullable(Type.String()),
  hostId: Nullable(Type.String()),
  createdBy: Type.String(),
  trigger: Type.String(),
  dedupeKey: Nullable(Type.String()),
  createdAt: Type.Integer(),
  startedAt: Nullable(Type.Integer()),
  finishedAt: Nullable(Type.Integer()),
  workerId: Nullable(Type.String()),
  leaseUntil: Nullable(Type.Integer()),
  cancelRequested: Type.Boolean(),
  awaitingChildren: Type.Boolean(),
  progress: Type.Unknown(),
});

const Clock = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  description: 'HH:MM local time',
});

export const Robot = Type.Object({
  type: Type.String(),
  describe: Type.String(),
  status: Type.Union(ROBOT_STATUSES.map((s) => Type.Literal(s))),
  instances: Type.Integer(),
  running: Type.Integer({ description: 'instances running now, on all controllers' }),
  intervalMs: Nullable(Type.Integer()),
  windowStart: Nullable(Type.String()),
  windowEnd: Nullable(Type.String()),
  enabled: Type.Boolean(),
  nextRunAt: Nullable(Type.Integer()),
  lastStartedAt: Nullable(Type.Integer()),
  lastJobId: Nullable(Type.String()),
  updatedAt: Type.Integer(),
  updatedBy: Type.String(),
});

export const RobotPatch = Type.Object(
  {
    instances: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    intervalMs: Type.Optional(Type.Integer({ minimum: 1000, description: 'periodic robots only' })),
    windowStart: Type.Optional(Nullable(Clock)),
    windowEnd: Type.Optional(Nullable(Clock)),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Change = Type.Object({ from: Type.Unknown(), to: Type.Unknown() });

export const Alert = Type.Object({
  id: Type.String(),
  type: Type.String(),
  severity: Type.String(),
  subject: Type.String(),
  message: Type.String(),
  state: Type.String(),
  dedupeKey: Type.String(),
  context: Type.Object(
    {
      policyId: Type.Optional(Type.String()),
      hostId: Type.Optional(Type.String()),
      hostName: Type.Optional(Type.String()),
      groupId: Type.Optional(Type.String()),
      applicationIds: Type.Optional(Type.Array(Type.String())),
      account: Type.Optional(Type.String()),
      fingerprint: Type.Optional(Type.String()),
      authorizationId: Type.Optional(Type.String()),
      extra: Type.Optional(
        Type.Record(
          Type.String(),
          Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
        ),
      ),
    },
    { description: 'what the alert is about: the fields notifications route on' },
  ),
  stateReason: Type.Union([Type.String(), Type.Null()], {
    description: 'why it left open (a dismissal reason, "cause gone")',
  }),
  stateBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.Integer(),
  actor: Type.String(),
  action: Type.String(),
  subject: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  createdAt: Type.Integer(),
  createdBy: Type.String(),
  revokedAt: Nullable(Type.Integer()),
  personId: Type.Optional(
    Nullable(Type.String({ description: 'the person the web terminal opens sessions as' })),
  ),
});
