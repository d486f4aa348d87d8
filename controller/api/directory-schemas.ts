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
  updatedAt: Type.Number(),
  updatedBy: Type.String(),
});

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
});

export const AccessGrant = Type.Object({
  id: Type.String(),
  accessGroupId: Type.String(),
  personId: Type.String(),
  fingerprint: Type.String(),
  authorizationId: Type.String(),
  createdAt: Type.Number(),
});

export const PeopleQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('left')])),
});

export const PersonKeyBody = Type.Object(
  { publicKey: Type.String({ minLength: 1, maxLength: 16384 }) },
  { additionalProperties: false },
);

export const AccessGroupBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })),
    directoryGroup: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'directory group name (cn)',
    }),
    hostGroupId: Type.String({ minLength: 1, maxLength: 200 }),
    account: Type.String({ minLength: 1, maxLength: 64 }),
    options: Type.Optional(Type.Array(Option, { maxItems: 32 })),
  },
  { additionalProperties: false },
);

export const AccessGroup = Type.Object({
  id: Type.String(),
  directoryGroup: Type.String(),
  hostGroupId: Type.String(),
  account: Type.String(),
  options: Type.Array(Option),
  createdBy: Type.String(),
  createdAt: Type.Number(),
});
