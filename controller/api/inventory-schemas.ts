/**
 * Schemas and row shapes of the inventory routes (inventory-routes.ts, key-routes.ts): what
 * scans found on hosts, as an operator reads it. Filters are validated here so a bad value
 * is a 400 naming the field, never a query that matches nothing.
 */
import { Type } from '@sinclair/typebox';
import type { InventoryItem } from '../store/inventory-records';
import { Nullable, PageQuery } from './schemas';

export const FINGERPRINT_PATTERN = '^SHA256:[A-Za-z0-9+/]{43}$';
export const Fingerprint = Type.String({
  pattern: FINGERPRINT_PATTERN,
  description: 'SHA256:... as ssh-keygen -l prints it (URL-encode / and + in a path)',
});
const AccountName = Type.String({
  pattern: '^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}[$]?$',
  description: 'an account name',
});
const IncludeRemoved = Type.Boolean({
  default: false,
  description: 'also items no longer found (with removedAt)',
});
const Seen = {
  firstSeenAt: Type.Integer({ description: 'first found by a scan or an edit (ms)' }),
  lastSeenAt: Type.Integer({ description: 'last found (ms)' }),
  removedAt: Nullable(Type.Integer({ description: 'no longer found since (ms)' })),
};

/** Query of a list: its filters, then limit and cursor; an unknown parameter is refused. */
export const listQuery = <P extends Parameters<typeof Type.Object>[0]>(filters: P) =>
  Type.Object({ ...filters, ...PageQuery }, { additionalProperties: false });

export const ItemFilters = {
  account: Type.Optional(AccountName),
  fingerprint: Type.Optional(Fingerprint),
  includeRemoved: Type.Optional(IncludeRemoved),
};
export const RemovedFilter = { includeRemoved: Type.Optional(IncludeRemoved) };
export const UsageFilters = {
  account: Type.Optional(AccountName),
  fingerprint: Type.Optional(Fingerprint),
};
export const KeyListFilters = {
  type: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9][a-z0-9@.+-]{0,63}$',
      description: 'key type, e.g. ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256',
    }),
  ),
  host: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'host id' })),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        'search: `SHA256:…` finds the keys whose fingerprint starts with it; other text, the keys of an authorized_keys line whose comment holds it (any ASCII case)',
    }),
  ),
};

export const LastUse = Nullable(
  Type.Object({ at: Type.Integer(), from: Type.String({ description: 'source address' }) }),
);

export const Account = Type.Object({
  id: Type.String(),
  hostId: Type.String(),
  account: Type.String(),
  uid: Type.Integer(),
  gid: Type.Integer(),
  home: Type.String(),
  shell: Type.String(),
  gecos: Type.String(),
  groups: Type.Array(Type.String()),
  ...Seen,
});

export const AuthorizedKey = Type.Object({
  id: Type.String(),
  hostId: Type.String(),
  account: Type.String(),
  fingerprint: Type.String(),
  type: Type.String(),
  bits: Type.Integer(),
  comment: Type.String(),
  file: Type.String(),
  line: Type.Integer({ description: 'line number in the file (1-based)' }),
  options: Type.Array(Type.Object({ name: Type.String(), value: Type.Optional(Type.String()) })),
  managed: Type.Boolean({
    description: 'the line carries the keywarden-managed marker; false: a foreign line',
  }),
  knownType: Type.Boolean({
    description:
      'false: a key type Keywarden does not know (OpenSSH adds types): kept by its SHA256 fingerprint and type name, bits 0; sshd uses the line if its OpenSSH knows the type',
  }),
  lastUsed: LastUse,
  ...Seen,
});

export const PrivateKey = Type.Object({
  id: Type.String(),
  hostId: Type.String(),
  account: Nullable(Type.String({ description: 'the account whose home holds it' })),
  path: Type.String(),
  fingerprint: Nullable(Type.String()),
  type: Nullable(Type.String()),
  bits: Nullable(Type.Integer()),
  format: Type.String(),
  encrypted: Type.Boolean(),
  mode: Type.String({ description: 'permission bits, octal (e.g. 0600)' }),
  uid: Type.Integer({ description: 'owner' }),
  ...Seen,
});

export const HostKey = Type.Object({
  id: Type.String(),
  hostId: Type.String(),
  path: Type.String(),
  fingerprint: Nullable(Type.String()),
  md5: Nullable(Type.String()),
  type: Nullable(Type.String()),
  bits: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  ...Seen,
});

export const KeyUsage = Type.Object({
  hostId: Type.String(),
  account: Type.String(),
  fingerprint: Type.String(),
  from: Type.String({ description: 'source address of the logins' }),
  fromName: Nullable(
    Type.String({
      description: 'its name by reverse DNS (reverse-ip-mapper); null: none or not yet',
    }),
  ),
  firstUsedAt: Type.Integer(),
  lastUsedAt: Type.Integer(),
  count: Type.Integer(),
});

export const SshdSettings = Type.Object({
  hostId: Type.String(),
  scannedAt: Type.Integer({ description: 'when the configuration scan read the host' }),
  sshdConfigPath: Type.String(),
  os: Nullable(
    Type.Object({ id: Type.String(), versionId: Type.String(), prettyName: Type.String() }),
  ),
  ssh: Type.Object({
    product: Nullable(Type.String()),
    serverVersion: Nullable(Type.String()),
    clientVersion: Nullable(Type.String()),
  }),
  files: Type.Array(
    Type.Object({ path: Type.String(), sha256: Type.String(), size: Type.Integer() }),
  ),
  errors: Type.Array(
    Type.Object({ file: Type.String(), line: Type.Integer(), message: Type.String() }),
  ),
  settings: Type.Array(
    Type.Object({
      keyword: Type.String({ description: 'lowercase' }),
      values: Type.Array(Type.String()),
      file: Type.String(),
      line: Type.Integer(),
    }),
    { description: 'effective global settings (Match blocks apply per connection)' },
  ),
});

export const KeySummary = Type.Object({
  fingerprint: Type.String(),
  type: Nullable(Type.String()),
  bits: Nullable(Type.Integer()),
  comment: Nullable(Type.String()),
  authorized: Type.Object(
    { lines: Type.Integer(), hosts: Type.Integer() },
    { description: 'present authorized_keys lines with this key, and on how many hosts' },
  ),
  stored: Type.Object(
    { files: Type.Integer(), hosts: Type.Integer() },
    { description: 'present files holding its private half, and on how many hosts' },
  ),
  firstSeenAt: Nullable(Type.Integer()),
  blacklisted: Type.Boolean(),
  knownType: Type.Boolean({
    description: 'false: a key type Keywarden does not know (see authorized keys)',
  }),
});

const seen = (i: InventoryItem) => ({
  firstSeenAt: i.firstSeenAt,
  lastSeenAt: i.lastSeenAt,
  removedAt: i.removedAt,
});

export const accountRow = (i: InventoryItem<'account'>) => ({
  id: i.id,
  hostId: i.hostId,
  account: i.account ?? '',
  ...i.data,
  ...seen(i),
});

export const authorizedKeyRow = (
  i: InventoryItem<'authorized-key'>,
  lastUsed: { at: number; from: string } | null,
) => ({
  id: i.id,
  hostId: i.hostId,
  account: i.account ?? '',
  fingerprint: i.fingerprint ?? '',
  type: i.data.type,
  bits: i.data.bits,
  comment: i.data.comment,
  file: i.data.file,
  line: i.data.line,
  options: i.data.options,
  managed: i.data.managed,
  knownType: i.data.knownType !== false,
  lastUsed,
  ...seen(i),
});

export const privateKeyRow = (i: InventoryItem<'private-key'>) => ({
  id: i.id,
  hostId: i.hostId,
  account: i.account,
  path: i.data.path,
  fingerprint: i.fingerprint,
  type: i.data.type,
  bits: i.data.bits,
  format: i.data.format,
  encrypted: i.data.encrypted,
  mode: i.data.mode.toString(8).padStart(4, '0'),
  uid: i.data.uid,
  ...seen(i),
});

export const hostKeyRow = (i: InventoryItem<'host-key'>) => ({
  id: i.id,
  hostId: i.hostId,
  path: i.data.path,
  fingerprint: i.fingerprint,
  md5: i.data.md5,
  type: i.data.type,
  bits: i.data.bits,
  error: i.data.error,
  ...seen(i),
});
