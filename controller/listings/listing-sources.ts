/**
 * What a batch `list` can write to a file: each object's columns, the role that may read
 * it (the same as its list route), and its rows a page at a time, so a listing of millions
 * of rows is read and written in bounded memory.
 */
import { Type, type Static } from '@sinclair/typebox';
import { listKeys } from '../inventory/read-inventory';
import type { Role } from '../store/records';
import type { Store } from '../store/store';

export const ListingFilter = Type.Object(
  {
    state: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'hosts: comma-separated states' }),
    ),
    type: Type.Optional(
      Type.String({ pattern: '^[a-z0-9][a-z0-9@.+-]{0,63}$', description: 'keys: key type' }),
    ),
    host: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'keys, key-usage: one host id' }),
    ),
  },
  { additionalProperties: false },
);
export type ListingFilter = Static<typeof ListingFilter>;

type Row = Record<string, string | number | boolean | null>;
type Reader = Pick<Store, 'hosts' | 'inventory' | 'tokens'>;

export interface ListingSource {
  /** The role of the route that lists the same objects: who may start and download it. */
  role: Role;
  columns: readonly string[];
  /** One page of rows and the cursor of the next (null: the last page). */
  page(
    store: Reader,
    filter: ListingFilter,
    after: string | undefined,
  ): Promise<{ rows: Row[]; next: string | null }>;
}

const PAGE = 1000;
const opt = (after: string | undefined) => (after ? { after } : {});

export const LISTING_SOURCES = {
  hosts: {
    role: 'auditor',
    columns: [
      'id',
      'name',
      'address',
      'port',
      'kind',
      'state',
      'groupId',
      'os',
      'sshProduct',
      'lastSeenAt',
    ],
    async page(store, filter, after) {
      const states = filter.state?.split(',').map((s) => s.trim()) as never;
      const p = await store.hosts.list(states ? { state: states } : {}, {
        limit: PAGE,
        ...opt(after),
      });
      return {
        rows: p.items.map((h) => ({
          id: h.id,
          name: h.name,
          address: h.address,
          port: h.port,
          kind: h.kind,
          state: h.state,
          groupId: h.groupId,
          os: h.os,
          sshProduct: h.sshProduct,
          lastSeenAt: h.lastSeenAt,
        })),
        next: p.nextCursor,
      };
    },
  },
  keys: {
    role: 'auditor',
    columns: [
      'fingerprint',
      'type',
      'bits',
      'comment',
      'authorizedLines',
      'authorizedHosts',
      'storedFiles',
      'storedHosts',
      'firstSeenAt',
      'blacklisted',
    ],
    async page(store, filter, after) {
      const p = await listKeys(
        store,
        {
          ...(filter.type ? { type: filter.type } : {}),
          ...(filter.host ? { hostId: filter.host } : {}),
        },
        { limit: PAGE, ...(after ? { cursor: after } : {}) },
      );
      return {
        rows: p.items.map((k) => ({
          fingerprint: k.fingerprint,
          type: k.type,
          bits: k.bits,
          comment: k.comment,
          authorizedLines: k.authorized.lines,
          authorizedHosts: k.authorized.hosts,
          storedFiles: k.stored.files,
          storedHosts: k.stored.hosts,
          firstSeenAt: k.firstSeenAt,
          blacklisted: k.blacklisted,
        })),
        next: p.nextCursor,
      };
    },
  },
  'key-usage': {
    role: 'auditor',
    columns: ['hostId', 'account', 'fingerprint', 'from', 'firstUsedAt', 'lastUsedAt', 'count'],
    async page(store, filter, after) {
      const p = await store.inventory.keyUsage.listPage(
        filter.host ? { hostId: filter.host } : {},
        {
          limit: PAGE,
          ...opt(after),
        },
      );
      return { rows: p.items.map((u) => ({ ...u })), next: p.nextCursor };
    },
  },
  // Tokens are an admin's to read (GET /api/v1/tokens); never their secret or its hash.
  tokens: {
    role: 'admin',
    columns: ['id', 'name', 'role', 'createdAt', 'createdBy', 'revokedAt'],
    async page(store) {
      const all = await store.tokens.list();
      return {
        rows: all.map((t) => ({
          id: t.id,
          name: t.name,
          role: t.role,
          createdAt: t.createdAt,
          createdBy: t.createdBy,
          revokedAt: t.revokedAt,
        })),
        next: null,
      };
    },
  },
} satisfies Record<string, ListingSource>;

export type ListingObject = keyof typeof LISTING_SOURCES;
export const LISTING_OBJECTS = Object.keys(LISTING_SOURCES) as ListingObject[];
