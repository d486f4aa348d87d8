/** Schemas of /api/v1/authorizations (see controller/store/authorization-records.ts). */
import { Type } from '@sinclair/typebox';
import {
  AUTHORIZATION_STATES,
  DRIFT_ACTIONS,
  PLACEMENT_STATES,
} from '../store/authorization-records';
import { Nullable, PageQuery } from './schemas';
import { ApprovalSpecBody } from './approval-schemas';

const Option = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    value: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const Fingerprint = Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' });

export const AuthorizationBody = Type.Object(
  {
    publicKey: Type.Optional(
      Type.String({ minLength: 1, maxLength: 16_384, description: 'type base64 [comment]' }),
    ),
    privateKey: Type.Optional(
      Type.Object(
        {
          hostId: Type.String({ minLength: 1 }),
          path: Type.String({ pattern: '^/', description: 'as the inventory holds it' }),
        },
        { additionalProperties: false, description: 'a private key Keywarden found or made' },
      ),
    ),
    account: Type.String({ minLength: 1, maxLength: 64, description: 'account to log in as' }),
    hostId: Type.Optional(Type.String({ minLength: 1 })),
    groupId: Type.Optional(Type.String({ minLength: 1, description: 'every host of the group' })),
    options: Type.Optional(Type.Array(Option, { maxItems: 32 })),
    expiresAt: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1 })], {
        description: 'ISO 8601 or ms since the epoch; written as expiry-time=',
      }),
    ),
    onDrift: Type.Optional(Type.Union(DRIFT_ACTIONS.map((a) => Type.Literal(a)))),
    approval: Type.Optional(ApprovalSpecBody),
    reason: Type.Optional(Type.String({ maxLength: 500, description: 'shown to approvers' })),
  },
  { additionalProperties: false },
);

export const Authorization = Type.Object({
  id: Type.String(),
  fingerprint: Type.String(),
  publicKey: Type.String(),
  source: Type.Object({
    kind: Type.String(),
    hostId: Type.Optional(Type.String()),
    account: Type.Optional(Nullable(Type.String())),
    path: Type.Optional(Type.String()),
  }),
  account: Type.String(),
  target: Type.Object({
    hostId: Type.Optional(Type.String()),
    groupId: Type.Optional(Type.String()),
  }),
  options: Type.Array(Option),
  expiresAt: Nullable(Type.Integer()),
  onDrift: Type.String(),
  state: Type.Union(AUTHORIZATION_STATES.map((s) => Type.Literal(s))),
  createdBy: Type.String(),
  createdAt: Type.Integer(),
  removedBy: Nullable(Type.String()),
  removedAt: Nullable(Type.Integer()),
  updatedAt: Type.Integer(),
});

export const Placement = Type.Object({
  authorizationId: Type.String(),
  hostId: Type.String(),
  account: Type.String(),
  fingerprint: Type.String(),
  options: Type.Array(Option),
  state: Type.Union(PLACEMENT_STATES.map((s) => Type.Literal(s))),
  jobId: Nullable(Type.String()),
  confirmedAt: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  updatedAt: Type.Integer(),
});

export const AuthorizationQuery = Type.Object({
  state: Type.Optional(Type.String({ description: 'comma-separated: active, removed, expired' })),
  fingerprint: Type.Optional(Fingerprint),
  account: Type.Optional(Type.String({ minLength: 1 })),
  hostId: Type.Optional(Type.String({ minLength: 1, description: 'grants naming this host' })),
  groupId: Type.Optional(Type.String({ minLength: 1 })),
  ...PageQuery,
});

export const CoverageQuery = Type.Object({
  hostId: Type.String({ minLength: 1 }),
  account: Type.Optional(Type.String({ minLength: 1 })),
});

export const LineCoverage = Type.Object({
  account: Nullable(Type.String()),
  file: Type.String(),
  line: Type.Integer(),
  fingerprint: Nullable(Type.String()),
  options: Type.Array(Option),
  markerInFile: Type.Boolean({ description: 'the file carries the marker: shown, not trusted' }),
  coveredBy: Nullable(Type.String({ description: 'the authorization this line is, by records' })),
});
