/** Schemas of /api/v1/directory, /api/v1/people and /api/v1/access-groups (OpenAPI). */
import { Type } from '@sinclair/typebox';
import { Nullable } from './schemas';

const Option = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    value: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

const ServerKind = Type.Union([Type.Literal('auto'), Type.Literal('ad'), Type.Literal('ldap')], {
  description: "'auto' asks the root DSE whether the server is Active Directory",
});
const CommentField = Type.Union([Type.Literal('uid'), Type.Literal('email')]);
const AccountMatch = Type.Union([Type.Literal('uid'), Type.Literal('mapping')], {
  description: "'uid': an account named as a person's uid is theirs; 'mapping': mappings only",
});

export const LdapSettingsBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 300,
      description: 'ldap://host:port or ldaps://host:port',
    }),
    startTls: Type.Optional(
      Type.Boolean({ description: 'upgrade ldap:// with StartTLS (default true for ldap://)' }),
    ),
    caCertificate: Type.Optional(
      Nullable(Type.String({ maxLength: 65536, description: 'PEM CA the server must chain to' })),
    ),
    bindDn: Type.String({ minLength: 1, maxLength: 1000 }),
    bindPassword: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 1000,
          description:
            'sealed on arrival, never returned; absent keeps the stored one, null removes it',
        }),
      ),
    ),
    userBase: Type.String({ minLength: 1, maxLength: 1000 }),
    userFilter: Type.Optional(Type.String({ maxLength: 2000 })),
    groupBase: Type.Optional(Type.String({ maxLength: 1000 })),
    groupFilter: Type.Optional(Type.String({ maxLength: 2000 })),
    pageSize: Type.Optional(
      Type.Integer({ description: 'entries per page of every search (default 500)' }),
    ),
    nestingDepth: Type.Optional(
      Type.Integer({ description: 'how deep groups in groups are followed (default 10)' }),
    ),
    serverKind: Type.Optional(ServerKind),
    incremental: Type.Optional(
      Type.Boolean({ description: 'read only what changed since the last sync (default true)' }),
    ),
    fullSyncEvery: Type.Optional(
      Type.Integer({ description: 'every N-th run reads everything (default 12)' }),
    ),
    keyCommentPattern: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 200,
          description: 'regex with one capture group applied to key comments (off when absent)',
        }),
      ),
    ),
    keyCommentField: Type.Optional(CommentField),
    accountMatch: Type.Optional(AccountMatch),
  },
  { additionalProperties: false },
);

export const LdapSettings = Type.Object({
  url: Type.String(),
  startTls: Type.Boolean(),
  caCertificate: Nullable(Type.String()),
  bindDn: Type.String(),
  bindPasswordSet: Type.Boolean(),
  userBase: Type.String(),
  userFilter: Type.String(),
  groupBase: Type.String(),
  groupFilter: Type.String(),
  pageSize: Type.Integer(),
  nestingDepth: Type.Integer(),
  serverKind: ServerKind,
  incremental: Type.Boolean(),
  fullSyncEvery: Type.Integer(),
  keyCommentPattern: Nullable(Type.String()),
  keyCommentField: CommentField,
  accountMatch: AccountMatch,
  updatedAt: Type.Number(),
  updatedBy: Type.String(),
});

export const SyncState = Type.Object({
  settingsUpdatedAt: Type.Number(),
  serverKind: Type.Union([Type.Literal('ad'), Type.Literal('ldap')]),
  mark: Nullable(
    Type.Object({
      attribute: Type.Union([Type.Literal('uSNChanged'), Type.Literal('modifyTimestamp')]),
      value: Type.String(),
    }),
  ),
  runsSinceFull: Type.Integer(),
  lastFullAt: Nullable(Type.Number()),
  lastRunAt: Type.Number(),
});

export const KeyOwner = Type.Object({
  fingerprint: Type.String(),
  personId: Type.String(),
  method: Type.Union([
    Type.Literal('directory'),
    Type.Literal('uploaded'),
    Type.Literal('comment'),
    Type.Literal('manual'),
  ]),
  detail: Nullable(Type.String()),
  by: Type.String(),
  at: Type.Number(),
});

export const KeyOwnerBody = Type.Object(
  {
    personId: Type.String({ minLength: 1, maxLength: 200 }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const AccountOwner = Type.Object({
  id: Type.String(),
  hostId: Type.String(),
  account: Type.String(),
  personId: Type.String(),
  method: Type.Union([Type.Literal('uid'), Type.Literal('mapping')]),
  departed: Type.Boolean(),
  since: Type.Number(),
  departedAt: Nullable(Type.Number()),
});

export const AccountOwnersQuery = Type.Object(
  {
    departed: Type.Optional(Type.Boolean()),
    personId: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const AccountMapping = Type.Object({
  id: Type.String(),
  account: Type.String(),
  hostId: Nullable(Type.String()),
  personId: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.Number(),
});

export const AccountMappingBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })),
    account: Type.String({ minLength: 1, maxLength: 64 }),
    hostId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    personId: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

const PersonKey = Type.Object({
  publicKey: Type.String(),
  fingerprint: Type.String(),
  source: Type.Union([Type.Literal('directory'), Type.Literal('api')]),
});

export const Person = Type.Object({
  id: Type.String(),
  directoryId: Type.String(),
  dn: Type.String(),
  uid: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  state: Type.Union([Type.Literal('active'), Type.Literal('left')]),
  keys: Type.Array(PersonKey),
  groups: Type.Array(Type.String()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  leftAt: Nullable(Type.Number()),
  leftReason: Type.Optional(Nullable(Type.Union([Type.Literal('disabled'), Type.Literal('gone')]))),
});

export const AccessGrant = Type.Object({
  id: Type.String(),
  accessGroupId: Type.String(),
  personId: Type.String(),
  fingerprint: Type.String(),
  authorizationId: Type.String(),
  createdAt: Type.Number(),
  windowEndsAt: Type.Optional(
    Type.Number({ description: 'end of the window the authorization is for' }),
  ),
  windowClosed: Type.Optional(
    Type.Boolean({ description: 'between windows: no authorization until the next opens' }),
  ),
});

export const PeopleQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('left')])),
});

export const PersonKeyBody = Type.Object(
  { publicKey: Type.String({ minLength: 1, maxLength: 16384 }) },
  { additionalProperties: false },
);

const Weekday = Type.Union([
  Type.Literal('sun'),
  Type.Literal('mon'),
  Type.Literal('tue'),
  Type.Literal('wed'),
  Type.Literal('thu'),
  Type.Literal('fri'),
  Type.Literal('sat'),
]);
const Schedule = Type.Object(
  {
    timeZone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'IANA zone, e.g. Europe/Berlin',
    }),
    windows: Type.Array(
      Type.Object(
        {
          days: Type.Array(Weekday, { minItems: 1, maxItems: 7 }),
          start: Type.String({ description: 'HH:MM' }),
          end: Type.String({ description: 'HH:MM or 24:00; at or before start: the next day' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 32 },
    ),
    maxHoursPerDay: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 })),
  },
  { additionalProperties: false },
);

export const AccessGroupBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })),
    directoryGroup: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'directory group name (cn); give it, members, or both',
      }),
    ),
    members: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 1000,
        description: 'person ids in the access group by hand',
      }),
    ),
    hostGroupId: Type.String({ minLength: 1, maxLength: 200 }),
    account: Type.String({ minLength: 1, maxLength: 64 }),
    options: Type.Optional(Type.Array(Option, { maxItems: 32 })),
    from: Type.Optional(
      Type.Array(Type.String({ maxLength: 255 }), {
        maxItems: 64,
        description:
          'where members may log in from: sshd from= patterns (10.0.0.0/8, *.example.com, !10.1.2.3)',
      }),
    ),
    schedule: Type.Optional(Schedule),
  },
  { additionalProperties: false },
);

export const AccessGroup = Type.Object({
  id: Type.String(),
  directoryGroup: Nullable(Type.String()),
  members: Type.Optional(Type.Array(Type.String())),
  hostGroupId: Type.String(),
  account: Type.String(),
  options: Type.Array(Option),
  from: Type.Optional(Type.Array(Type.String())),
  schedule: Type.Optional(Schedule),
  createdBy: Type.String(),
  createdAt: Type.Number(),
});

export const AccessGroupMember = Type.Object({
  id: Type.String(),
  uid: Type.String(),
  name: Type.String(),
  state: Type.Union([Type.Literal('active'), Type.Literal('left')]),
  keys: Type.Integer(),
});

/** A key's owner as `keys show` prints it: the attribution and who the person is. */
export const KeyOwnerView = Type.Intersect([
  KeyOwner,
  Type.Object({
    name: Type.String(),
    uid: Type.String(),
    state: Type.Union([Type.Literal('active'), Type.Literal('left')]),
  }),
]);
