/**
 * /api/v1/keys: a key (its SHA256 fingerprint) is one entity across the fleet. The list
 * shows each key with how many lines authorize it and how many files store its private
 * half; one key shows every place, each list paged on its own.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import {
  itemPage,
  keyEntities,
  lastUses,
  listKeys,
  type KeyEntity,
} from '../inventory/read-inventory';
import type { InventoryItem } from '../store/inventory-records';
import type { Page as StorePage } from '../store/store';
import { withSourceNames } from '../reverse-dns/source-names';
import type { RequireRole } from './auth';
import {
  AuthorizedKey,
  Fingerprint,
  KeyListFilters,
  KeySummary,
  KeyUsage,
  PrivateKey,
  RemovedFilter,
  authorizedKeyRow,
  listQuery,
  privateKeyRow,
} from './inventory-schemas';
import { Page, PageQuery, errors } from './schemas';

const FingerprintParams = Type.Object({ fingerprint: Fingerprint });

/** `SHA256:…` is the start of a fingerprint; any other text is looked for in comments. */
function keySearch(q: string | undefined): { prefix?: string; comment?: string } {
  const text = q?.trim();
  if (!text) return {};
  return text.startsWith('SHA256:') ? { prefix: text } : { comment: text };
}

export function registerKeyRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['inventory'];
  const pageOf = (q: { limit?: number; cursor?: string }) => ({
    limit: q.limit ?? 50,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  const authorizedPage = async (
    fingerprint: string,
    q: { limit?: number; cursor?: string; includeRemoved?: boolean },
  ) => {
    const page = await itemPage(
      s.store,
      'authorized-key',
      { fingerprint, includeRemoved: q.includeRemoved ?? false },
      pageOf(q),
    );
    const uses = await lastUses(s.store, page.items);
    return {
      items: page.items.map((i, n) => authorizedKeyRow(i, uses[n] ?? null)),
      nextCursor: page.nextCursor,
    };
  };
  const privatePage = async (
    fingerprint: string,
    q: { limit?: number; cursor?: string; includeRemoved?: boolean },
  ) => {
    const page: StorePage<InventoryItem<'private-key'>> = await itemPage(
      s.store,
      'private-key',
      { fingerprint, includeRemoved: q.includeRemoved ?? false },
      pageOf(q),
    );
    return { items: page.items.map(privateKeyRow), nextCursor: page.nextCursor };
  };
  const usagePage = async (fingerprint: string, q: { limit?: number; cursor?: string }) =>
    withSourceNames(
      s.store,
      await s.store.inventory.keyUsage.listPage(
        { fingerprint },
        { limit: q.limit ?? 50, ...(q.cursor ? { after: q.cursor } : {}) },
      ),
    );

  r.get(
    '/api/v1/keys',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Keys in the fleet (or on one host), in fingerprint order',
        description:
          'With `type`, or `q` searching comments (a page reads a bounded window of lines), a page may hold fewer than `limit` keys, even none, and still have a nextCursor: follow it.',
        querystring: listQuery(KeyListFilters),
        response: { 200: Page(KeySummary), ...errors },
      },
    },
    async (req) =>
      listKeys(
        s.store,
        {
          ...(req.query.type ? { type: req.query.type } : {}),
          ...(req.query.host ? { hostId: req.query.host } : {}),
          ...keySearch(req.query.q),
        },
        pageOf(req.query),
      ),
  );

  r.get(
    '/api/v1/keys/:fingerprint',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One key: every line that authorizes it, every file storing its private half',
        description:
          'Each list is its first page; the next pages are at /keys/:fingerprint/authorized-keys, /private-keys and /usage.',
        params: FingerprintParams,
        // No cursor here: each list pages on at its own route.
        querystring: Type.Object(
          { ...RemovedFilter, limit: PageQuery.limit },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Intersect([
            KeySummary,
            Type.Object({
              authorizedKeys: Page(AuthorizedKey),
              privateKeys: Page(PrivateKey),
              usage: Page(KeyUsage),
            }),
          ]),
          ...errors,
        },
      },
    },
    async (req) => {
      const fp = req.params.fingerprint;
      const q = req.query;
      const [entity] = await keyEntities(s.store, [fp]);
      const [authorizedKeys, privateKeys, usage] = await Promise.all([
        authorizedPage(fp, q),
        privatePage(fp, q),
        usagePage(fp, q),
      ]);
      if (
        !entity?.blacklisted &&
        authorizedKeys.items.length === 0 &&
        privateKeys.items.length === 0 &&
        usage.items.length === 0
      )
        throw notFound(`no key ${fp} in the inventory`, {
          details: { field: 'fingerprint', value: fp },
        });
      // Known only from removed lines or logins: no present item gives type and bits.
      const any = authorizedKeys.items[0] ?? privateKeys.items[0];
      return {
        ...(entity as KeyEntity),
        type: entity?.type ?? any?.type ?? null,
        bits: entity?.bits ?? any?.bits ?? null,
        knownType:
          (entity?.type
            ? entity.knownType
            : (any as { knownType?: boolean } | undefined)?.knownType) ?? true,
        authorizedKeys,
        privateKeys,
        usage,
      };
    },
  );

  const part = <T extends 'authorized-keys' | 'private-keys' | 'usage'>(path: T) =>
    r.get(
      `/api/v1/keys/:fingerprint/${path}`,
      {
        onRequest: auth('auditor'),
        schema: {
          tags,
          summary:
            path === 'authorized-keys'
              ? 'Every line authorizing this key, with its last use'
              : path === 'private-keys'
                ? 'Every file storing the private half of this key'
                : 'Logins with this key, per host, account and source address',
          params: FingerprintParams,
          querystring: listQuery(path === 'usage' ? {} : RemovedFilter),
          response: {
            200: Page(
              path === 'authorized-keys'
                ? AuthorizedKey
                : path === 'private-keys'
                  ? PrivateKey
                  : KeyUsage,
            ),
            ...errors,
          },
        },
      },
      async (req) => {
        const q = req.query as { limit?: number; cursor?: string; includeRemoved?: boolean };
        const fp = req.params.fingerprint;
        if (path === 'authorized-keys') return authorizedPage(fp, q);
        if (path === 'private-keys') return privatePage(fp, q);
        return usagePage(fp, q);
      },
    );
  part('authorized-keys');
  part('private-keys');
  part('usage');
}
