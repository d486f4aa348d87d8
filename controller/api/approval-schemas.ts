/** Schemas of /api/v1/approvals, /api/v1/approval-policies and the approval links. */
import { Type } from '@sinclair/typebox';
import { APPROVAL_STATES, DECISION_VIAS } from '../store/approval-records';
import { Nullable, PageQuery } from './schemas';

export const ApproverBody = Type.Object(
  {
    personId: Type.Optional(
      Type.String({ minLength: 1, description: 'a person of the directory' }),
    ),
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'the API token name the approver decides with',
      }),
    ),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
  },
  { additionalProperties: false },
);

export const ApprovalSpecBody = Type.Object(
  {
    approvers: Type.Array(ApproverBody, { minItems: 1, maxItems: 20 }),
    required: Type.Optional(
      Type.Integer({ minimum: 1, description: 'approvals needed (default 1)' }),
    ),
    ttlMs: Type.Optional(
      Type.Integer({ minimum: 1, description: 'how long it waits for decisions' }),
    ),
  },
  { additionalProperties: false },
);

const Approver = Type.Object({
  name: Type.String(),
  email: Type.String(),
  personId: Nullable(Type.String()),
});

export const ApprovalRequest = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  fingerprint: Type.String(),
  account: Type.String(),
  target: Type.Object({
    hostId: Type.Optional(Type.String()),
    groupId: Type.Optional(Type.String()),
  }),
  accessGroupId: Type.Optional(Type.String()),
  personId: Type.Optional(Type.String()),
  requester: Type.String(),
  reason: Nullable(Type.String()),
  approvers: Type.Array(Approver),
  rules: Type.Array(
    Type.Object({
      source: Type.String(),
      approvers: Type.Array(Type.String()),
      required: Type.Integer(),
    }),
  ),
  state: Type.Union(APPROVAL_STATES.map((s) => Type.Literal(s))),
  createdAt: Type.Integer(),
  expiresAt: Type.Integer(),
  decidedAt: Nullable(Type.Integer()),
  outcome: Nullable(
    Type.Object({
      authorizationId: Nullable(Type.String()),
      jobId: Nullable(Type.String()),
      error: Nullable(Type.String()),
      at: Type.Integer(),
    }),
  ),
  cancellation: Type.Optional(
    Type.Object({ by: Type.String(), reason: Type.String(), at: Type.Integer() }),
  ),
});

export const CancelBody = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'why the request is withdrawn (audited, shown to its links)',
    }),
  },
  { additionalProperties: false },
);

export const ApprovalDecision = Type.Object({
  approver: Type.String(),
  decision: Type.Union([Type.Literal('approve'), Type.Literal('deny')]),
  via: Type.Union(DECISION_VIAS.map((v) => Type.Literal(v))),
  by: Type.String(),
  at: Type.Integer(),
});

export const ApprovalQuery = Type.Object({
  ...PageQuery,
  state: Type.Optional(Type.String({ description: 'comma-separated states' })),
});

export const ApprovalPolicy = Type.Object({
  hostGroupId: Type.String(),
  approvers: Type.Array(Approver),
  required: Type.Integer(),
  ttlMs: Type.Integer(),
  escalateTo: Type.Optional(Type.Array(Approver)),
  createdBy: Type.String(),
  createdAt: Type.Integer(),
});

export const ApprovalPolicyBody = Type.Object(
  {
    approvers: Type.Array(ApproverBody, { minItems: 1, maxItems: 20 }),
    required: Type.Optional(Type.Integer({ minimum: 1 })),
    ttlMs: Type.Optional(Type.Integer({ minimum: 1 })),
    escalateTo: Type.Optional(
      Type.Array(ApproverBody, {
        maxItems: 20,
        description: 'asked too when the reminders of a still pending request go out',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
