/**
 * /api/v1/hosts/:id/{accounts,authorized-keys,private-keys,host-keys,key-usage,sshd-settings}:
 * what scans found on one host, paged and filtered, for every role (reading changes nothing).
 * Keys across the fleet are in key-routes.ts.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { hostKnown, itemPage, lastUses } from '../inventory/read-inventory';
import { withSourceNames } from '../reverse-dns/source-names';
import type { RequireRole } from './auth';
import {
  Account,
  AuthorizedKey,
  HostKey,
  ItemFilters,
  KeyUsage,
  PrivateKey,
  RemovedFilter,
  SshdSettings,
  UsageFilters,
  accountRow,
  authorizedKeyRow,
  hostKeyRow,
  listQuery,
  privateKeyRow,
} from './inventory-schemas';
import { IdParams, Page, errors } from './schemas';

export function registerInventoryRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['inventory'];
  const knownHost = async (id: string) => {
    if (!(await hostKnown(s.store, id)))
      throw notFound(`no host ${id} (neither registered nor scanned)`, {
        details: { field: 'id', value: id },
      });
    return id;
  };
  const filterOf = (q: { account?: string; fingerprint?: string; includeRemoved?: boolean }) => ({
    ...(q.account ? { account: q.account } : {}),
    ...(q.fingerprint ? { fingerprint: q.fingerprint } : {}),
    includeRemoved: q.includeRemoved ?? false,
  });
  const pageOf = (q: { limit?: number; cursor?: string }) => ({
    limit: q.limit ?? 50,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });

  r.get(
    '/api/v1/hosts/:id/accounts',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: "A host's accounts as its last scan found them",
        params: IdParams,
        querystring: listQuery({
          account: ItemFilters.account,
          includeRemoved: ItemFilters.includeRemoved,
        }),
        response: { 200: Page(Account), ...errors },
      },
    },
    async (req) => {
      const hostId = await knownHost(req.params.id);
      const page = await itemPage(
        s.store,
        'account',
        { hostId, ...filterOf(req.query) },
        pageOf(req.query),
      );
      return { items: page.items.map(accountRow), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/v1/hosts/:id/authorized-keys',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: "A host's authorized keys: options, file and line, managed or foreign, last use",
        params: IdParams,
        querystring: listQuery(ItemFilters),
        response: { 200: Page(AuthorizedKey), ...errors },
      },
    },
    async (req) => {
      const hostId = await knownHost(req.params.id);
      const page = await itemPage(
        s.store,
        'authorized-key',
        { hostId, ...filterOf(req.query) },
        pageOf(req.query),
      );
      const uses = await lastUses(s.store, page.items);
      return {
        items: page.items.map((i, n) => authorizedKeyRow(i, uses[n] ?? null)),
        nextCursor: page.nextCursor,
      };
    },
  );

  r.get(
    '/api/v1/hosts/:id/private-keys',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Private keys stored on a host: path, type, bits, encrypted, mode, owner',
        params: IdParams,
        querystring: listQuery(ItemFilters),
        response: { 200: Page(PrivateKey), ...errors },
      },
    },
    async (req) => {
      const hostId = await knownHost(req.params.id);
      const page = await itemPage(
        s.store,
        'private-key',
        { hostId, ...filterOf(req.query) },
        pageOf(req.query),
      );
      return { items: page.items.map(privateKeyRow), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/v1/hosts/:id/host-keys',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: "A host's own SSH host keys, from its last configuration scan",
        params: IdParams,
        querystring: listQuery(RemovedFilter),
        response: { 200: Page(HostKey), ...errors },
      },
    },
    async (req) => {
      const hostId = await knownHost(req.params.id);
      const page = await itemPage(
        s.store,
        'host-key',
        { hostId, includeRemoved: req.query.includeRemoved ?? false },
        pageOf(req.query),
      );
      return { items: page.items.map(hostKeyRow), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/v1/hosts/:id/key-usage',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Logins by key on a host (from its auth logs): per account and source address',
        params: IdParams,
        querystring: listQuery(UsageFilters),
        response: { 200: Page(KeyUsage), ...errors },
      },
    },
    async (req) => {
      const hostId = await knownHost(req.params.id);
      const { limit, cursor } = pageOf(req.query);
      const page = await s.store.inventory.keyUsage.listPage(
        {
          hostId,
          ...(req.query.account ? { account: req.query.account } : {}),
          ...(req.query.fingerprint ? { fingerprint: req.query.fingerprint } : {}),
        },
        { limit, ...(cursor ? { after: cursor } : {}) },
      );
      return withSourceNames(s.store, page);
    },
  );

  r.get(
    '/api/v1/hosts/:id/sshd-settings',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The effective sshd settings of the last configuration scan',
        params: IdParams,
        querystring: Type.Object(
          {
            keyword: Type.Optional(
              Type.String({ pattern: '^[A-Za-z]{1,64}$', description: 'one keyword, any case' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: SshdSettings, ...errors },
      },
    },
    async (req) => {
      const hostId = await knownHost(req.params.id);
      const rec = await s.store.inventory.hostConfigs.get(hostId);
      if (!rec)
        throw notFound(`host ${hostId} has no configuration scan yet: run scan-configs`, {
          details: { field: 'id', value: hostId },
        });
      const keyword = req.query.keyword?.toLowerCase();
      return {
        ...rec,
        settings: keyword ? rec.settings.filter((x) => x.keyword === keyword) : rec.settings,
      };
    },
  );
}
