/** Schemas of /api/v1/reviews (see controller/store/access-review-records.ts). */
import { Type } from '@sinclair/typebox';
import { ITEM_DECISIONS, ROUND_STATES, UNCONFIRMED_ACTIONS } from '../store/access-review-records';
import { AUTHORIZATION_STATES } from '../store/authorization-records';
import { MIN_DEADLINE_MS, MIN_PERIOD_MS } from '../access-reviews/create-campaign';
import { Nullable, PageQuery, TimeQuery } from './schemas';

const Literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));
const Target = Type.Object({
  hostId: Type.Optional(Type.String()),
  groupId: Type.Optional(Type.String()),
});
const Option = Type.Object({ name: Type.String(), value: Type.Optional(Type.String()) });

export const CampaignBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    groupId: Type.String({ minLength: 1, description: 'the host group under review' }),
    applicationId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'kept as given' }),
    ),
    owner: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'the name of the operator or admin token who must review',
    }),
    periodMs: Type.Integer({ minimum: MIN_PERIOD_MS, description: 'a round every ...' }),
    deadlineMs: Type.Integer({
      minimum: MIN_DEADLINE_MS,
      description: 'how long after opening a round its items may be decided; under periodMs',
    }),
    onUnconfirmed: Literals(UNCONFIRMED_ACTIONS),
    firstRoundAt: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1 })], {
        description: 'ISO 8601 or ms since the epoch; default: now',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Campaign = Type.Object({
  id: Type.String(),
  name: Type.String(),
  groupId: Type.String(),
  applicationId: Nullable(Type.String()),
  owner: Type.String(),
  periodMs: Type.Integer(),
  deadlineMs: Type.Integer(),
  onUnconfirmed: Literals(UNCONFIRMED_ACTIONS),
  nextRoundAt: Nullable(Type.Integer({ description: 'null once stopped' })),
  stoppedBy: Nullable(Type.String()),
  stoppedAt: Nullable(Type.Integer()),
  createdBy: Type.String(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export const Round = Type.Object({
  id: Type.String(),
  campaignId: Type.String(),
  groupId: Type.String(),
  applicationId: Nullable(Type.String()),
  owner: Type.String(),
  onUnconfirmed: Literals(UNCONFIRMED_ACTIONS),
  state: Literals(ROUND_STATES),
  dueAt: Type.Integer(),
  openedAt: Type.Integer(),
  deadlineAt: Type.Integer(),
  closedAt: Nullable(Type.Integer()),
});

export const Item = Type.Object({
  roundId: Type.String(),
  campaignId: Type.String(),
  authorizationId: Type.String(),
  fingerprint: Type.String(),
  account: Type.String(),
  target: Target,
  options: Type.Array(Option),
  expiresAt: Nullable(Type.Integer()),
  grantedBy: Type.String(),
  grantedAt: Type.Integer(),
  decision: Literals(ITEM_DECISIONS),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.Integer()),
  note: Nullable(Type.String()),
  action: Nullable(Literals(['remove', 'alert'] as const)),
  removalJobId: Nullable(Type.String()),
  alertId: Nullable(Type.String()),
});

export const Counts = Type.Object(
  Object.fromEntries(ITEM_DECISIONS.map((d) => [d, Type.Integer()])) as Record<
    (typeof ITEM_DECISIONS)[number],
    ReturnType<typeof Type.Integer>
  >,
);

export const CampaignQuery = Type.Object({
  groupId: Type.Optional(Type.String({ minLength: 1 })),
  ...PageQuery,
});

export const RoundQuery = Type.Object({
  campaignId: Type.Optional(Type.String({ minLength: 1 })),
  state: Type.Optional(Type.String({ description: 'comma-separated: open, closed' })),
  ...PageQuery,
});

export const RoundItemsQuery = Type.Object({
  decision: Type.Optional(
    Type.String({ description: `comma-separated: ${ITEM_DECISIONS.join(', ')}` }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  cursor: Type.Optional(Type.String({ description: 'itemsCursor of the previous answer' })),
});

export const ItemParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 300 }),
  authorizationId: Type.String({ minLength: 1, maxLength: 200 }),
});

export const DecisionBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 1000, description: 'why, for the auditors' })) },
  { additionalProperties: false },
);

export const HistoryQuery = Type.Object({
  hostId: Type.Optional(Type.String({ minLength: 1 })),
  groupId: Type.Optional(Type.String({ minLength: 1 })),
  from: TimeQuery('start of the period (default: the beginning)'),
  to: TimeQuery('end of the period (default: now)'),
});

export const HistoryEntry = Type.Object({
  authorizationId: Type.String(),
  fingerprint: Type.String(),
  account: Type.String(),
  target: Target,
  state: Literals(AUTHORIZATION_STATES),
  from: Type.Integer({ description: 'when the grant was made (ms since the epoch)' }),
  until: Nullable(Type.Integer({ description: 'when it was removed or expired; null: holds' })),
  grantedBy: Type.String(),
  endedBy: Nullable(Type.String()),
  reviews: Type.Array(
    Type.Object({
      roundId: Type.String(),
      campaignId: Type.String(),
      decision: Literals(ITEM_DECISIONS),
      decidedBy: Nullable(Type.String()),
      decidedAt: Nullable(Type.Integer()),
      note: Nullable(Type.String()),
    }),
  ),
});
