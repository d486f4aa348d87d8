/** Schemas of the access-graph routes (docs/access-graph.md). */
import { Type } from '@sinclair/typebox';
import { Nullable, TimeQuery } from './schemas';

const Fingerprint = Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' });
const Option = Type.Object({ name: Type.String(), value: Type.Optional(Type.String()) });

/**
 * One edge on a path. A flat object, not a union of the two kinds: the response serializer
 * would otherwise try each branch per step, and answers carry thousands of steps.
 */
export const PathStep = Type.Object({
  kind: Type.Union([Type.Literal('opens'), Type.Literal('stored-in')]),
  fingerprint: Type.String(),
  hostId: Type.String(),
  account: Type.String(),
  firstSeenAt: Type.Number(),
  removedAt: Nullable(Type.Number()),
  options: Type.Optional(Type.Array(Option, { description: "opens: the line's options" })),
  lastUsedAt: Type.Optional(Nullable(Type.Number())),
  lastUsedFrom: Type.Optional(Nullable(Type.String())),
  path: Type.Optional(Type.String({ description: 'stored-in: the private key file' })),
});

export const SnapshotMeta = Type.Object({
  id: Type.String(),
  createdAt: Type.Number(),
  jobId: Nullable(Type.String()),
  stats: Type.Record(Type.String(), Type.Number()),
  bytes: Type.Number(),
  chunks: Type.Number(),
});

const ReachQueryFields = {
  at: TimeQuery('the graph as it was at this moment (default: now)'),
  maxHops: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 16, default: 8, description: '1 = direct logins only' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
};

export const WhoCanReachQuery = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'host id' }),
    account: Type.Optional(Type.String({ minLength: 1 })),
    ...ReachQueryFields,
  },
  { additionalProperties: false },
);

export const KeyReachQuery = Type.Object(
  { fingerprint: Fingerprint, ...ReachQueryFields },
  { additionalProperties: false },
);

export const WhoCouldLogInQuery = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'host id' }),
    account: Type.Optional(Type.String({ minLength: 1 })),
    at: Type.String({ minLength: 1, description: 'ISO 8601 or ms since the epoch' }),
  },
  { additionalProperties: false },
);

const Answer = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({
    snapshot: Type.Object({ id: Type.String(), createdAt: Type.Number() }),
    at: Nullable(Type.Number()),
    items: Type.Array(item),
    truncated: Type.Boolean(),
  });

export const WhoCanReachAnswer = Answer(
  Type.Object({ fingerprint: Type.String(), hops: Type.Integer(), path: Type.Array(PathStep) }),
);
export const KeyReachAnswer = Answer(
  Type.Object({
    hostId: Type.String(),
    account: Type.String(),
    hops: Type.Integer(),
    path: Type.Array(PathStep),
  }),
);

export const WhoCouldLogInAnswer = Type.Object({
  at: Type.Number(),
  items: Type.Array(
    Type.Object({
      hostId: Type.String(),
      account: Type.String(),
      fingerprint: Type.String(),
      file: Type.String(),
      line: Type.Integer(),
      options: Type.Array(Option),
      managed: Type.Boolean(),
      firstSeenAt: Type.Number(),
      lastSeenAt: Type.Number(),
      removedAt: Nullable(Type.Number()),
    }),
  ),
});

export const GraphNode = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('host'), Type.Literal('account'), Type.Literal('key')]),
  hostId: Type.Optional(Type.String()),
  account: Type.Optional(Type.String()),
  fingerprint: Type.Optional(Type.String()),
});

export const GraphEdge = Type.Object({
  kind: Type.Union([Type.Literal('opens'), Type.Literal('stored-in'), Type.Literal('on')]),
  from: Type.String(),
  to: Type.String(),
  firstSeenAt: Type.Optional(Type.Number()),
  removedAt: Type.Optional(Nullable(Type.Number())),
  options: Type.Optional(Type.String({ description: 'as OpenSSH writes them' })),
  lastUsedAt: Type.Optional(Nullable(Type.Number())),
  lastUsedFrom: Type.Optional(Nullable(Type.String())),
  path: Type.Optional(Type.String()),
});

export const GraphPageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]+$', description: 'nextCursor of the previous page' }),
    ),
    includeRemoved: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const GraphExportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('json'), Type.Literal('dot'), Type.Literal('graphml')]),
    host: Type.Optional(Type.String({ minLength: 1, description: "only this host's accounts" })),
    includeRemoved: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
