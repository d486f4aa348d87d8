/** Schemas of /api/v1/sessions (gateway sessions, docs/gateway.md). */
import { Type } from '@sinclair/typebox';
import { SESSION_STATES } from '../store/session-records';
import { Nullable, PageQuery, TimeQuery } from './schemas';

export const SessionStateSchema = Type.Union(SESSION_STATES.map((s) => Type.Literal(s)));

export const Session = Type.Object({
  id: Type.String(),
  personId: Type.String(),
  personUid: Type.String(),
  personFingerprint: Type.String(),
  hostId: Type.String(),
  target: Type.String(),
  account: Type.String(),
  fromAddress: Type.String(),
  controllerId: Type.String(),
  kind: Type.Union([Type.Literal('shell'), Type.Literal('exec')]),
  command: Nullable(Type.String()),
  state: SessionStateSchema,
  reason: Nullable(Type.String()),
  authorizationId: Nullable(Type.String()),
  ephemeralFingerprint: Nullable(Type.String()),
  startedAt: Type.Integer(),
  connectedAt: Nullable(Type.Integer()),
  endedAt: Nullable(Type.Integer()),
  lastSeenAt: Type.Integer(),
  bytesOut: Type.Integer(),
  bytesIn: Type.Integer(),
  recordingPath: Nullable(Type.String()),
  inputPath: Nullable(Type.String()),
  recordingTruncated: Type.Boolean(),
  terminateRequestedAt: Nullable(Type.Integer()),
  terminateRequestedBy: Nullable(Type.String()),
  exitCode: Nullable(Type.Integer()),
  via: Type.Optional(
    Type.Object(
      { entry: Type.Literal('web-terminal'), token: Type.String() },
      {
        description: 'the console web terminal and its token; absent: the SSH endpoint',
      },
    ),
  ),
});

export const SessionEvent = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  at: Type.Integer(),
  type: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const SessionQuery = Type.Object({
  state: Type.Optional(
    Type.String({ description: `comma-separated: ${SESSION_STATES.join(', ')}` }),
  ),
  person: Type.Optional(Type.String({ description: 'person id' })),
  host: Type.Optional(Type.String({ description: 'host id' })),
  since: TimeQuery('started at or after'),
  until: TimeQuery('started before'),
  ...PageQuery,
});

export const TerminateBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);

export const SessionSearchQuery = Type.Object({
  words: Type.Optional(
    Type.String({ maxLength: 500, description: 'each word anywhere in a command or its output' }),
  ),
  phrase: Type.Optional(
    Type.String({ maxLength: 500, description: 'these words in this order, as given' }),
  ),
  command: Type.Optional(
    Type.String({ maxLength: 500, description: 'the command line contains this' }),
  ),
  since: TimeQuery('commands typed at or after'),
  until: TimeQuery('commands typed before'),
  host: Type.Optional(Type.String({ description: 'host id' })),
  person: Type.Optional(Type.String({ description: "the person's uid" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
});
