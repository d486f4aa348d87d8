/**
 * What ties the directory to the fleet: where the last sync left off
 * (/api/v1/directory/sync-state), who a key found in the fleet belongs to
 * (/api/v1/keys/:fingerprint/owner: set by hand here, or by ldap-sync from the directory's
 * sshPublicKey and key comments), and which fleet accounts belong to people, departed ones
 * marked (/api/v1/directory/accounts, with admins' mappings at /account-mappings).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { keyEntities } from '../inventory/read-inventory';
import { accountDiscovery } from '../jobs/account-discovery';
import type { AccountMappingRecord, KeyOwnerRecord } from '../store/directory-records';
import { newId } from '../store/ids';
import { caller, type RequireRole } from './auth';
import {
  AccountMapping,
  AccountMappingBody,
  AccountOwner,
  AccountOwnersQuery,
  KeyOwner,
  KeyOwnerBody,
  SyncState,
} from './directory-schemas';
import { Fingerprint } from './inventory-schemas';
import { IdParams, errors } from './schemas';

const FingerprintParams = Type.Object({ fingerprint: Fingerprint });
const ACCOUNT = /^[a-z_][a-z0-9_.-]*\$?$/i;

export function registerDirectoryLinkRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['people'];
  const personOr404 = async (id: string, field: string) => {
    const p = await s.store.directory.getPerson(id);
    if (!p) throw notFound(`no person ${id}`, { details: { field, value: id } });
    return p;
  };
  const discoverNow = (actor: string) =>
    s.queue.enqueue(accountDiscovery.type, {}, { createdBy: actor, trigger: 'admin' });

  r.get(
    '/api/v1/directory/sync-state',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Where the last sync left off: server kind, incremental mark, runs since full',
        response: { 200: SyncState, ...errors },
      },
    },
    async () => {
      const st = await s.store.directory.getSyncState();
      if (!st) throw notFound('no sync has completed yet', { details: { field: 'sync' } });
      return st;
    },
  );

  r.get(
    '/api/v1/keys/:fingerprint/owner',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The person a key found in the fleet is attributed to, and how',
        params: FingerprintParams,
        response: { 200: KeyOwner, ...errors },
      },
    },
    async (req) => {
      const o = await s.store.directory.getKeyOwner(req.params.fingerprint);
      if (!o)
        throw notFound(`key ${req.params.fingerprint} is attributed to nobody`, {
          details: { field: 'fingerprint', value: req.params.fingerprint },
        });
      return o;
    },
  );
  r.put(
    '/api/v1/keys/:fingerprint/owner',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: "Attribute a key found in the fleet to a person by hand (kept over the syncs')",
        params: FingerprintParams,
        body: KeyOwnerBody,
        response: { 200: KeyOwner, ...errors },
      },
    },
    async (req) => {
      const fp = req.params.fingerprint;
      const person = await personOr404(req.body.personId, 'personId');
      const [k] = await keyEntities(s.store, [fp]);
      if (!k || (k.authorized.lines === 0 && k.stored.files === 0))
        throw notFound(`no key ${fp} in the fleet`, {
          details: { field: 'fingerprint', value: fp },
        });
      const { actor } = caller(req);
      const now = Date.now();
      const before = await s.store.directory.getKeyOwner(fp);
      const owner: KeyOwnerRecord = {
        fingerprint: fp,
        personId: person.id,
        method: 'manual',
        detail: req.body.note ?? null,
        by: actor,
        at: now,
      };
      await s.store.directory.putKeyOwner(owner);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'key.owner.set',
        subject: fp,
        details: { personId: person.id, before: before?.personId ?? null, note: owner.detail },
      });
      return owner;
    },
  );
  r.delete(
    '/api/v1/keys/:fingerprint/owner',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Remove an attribution (a sync attributes the key again if a rule matches)',
        params: FingerprintParams,
        response: { 200: Type.Object({ removed: Type.String() }), ...errors },
      },
    },
    async (req) => {
      const fp = req.params.fingerprint;
      const before = await s.store.directory.getKeyOwner(fp);
      if (!before || !(await s.store.directory.removeKeyOwner(fp)))
        throw notFound(`key ${fp} is attributed to nobody`, {
          details: { field: 'fingerprint', value: fp },
        });
      const { actor } = caller(req);
      await s.store.audit.append({
        at: Date.now(),
        actor,
        action: 'key.owner.removed',
        subject: fp,
        details: { personId: before.personId, method: before.method },
      });
      return { removed: fp };
    },
  );

  r.get(
    '/api/v1/directory/accounts',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Fleet accounts matched to people; departed=true: those whose person has left',
        querystring: AccountOwnersQuery,
        response: { 200: Type.Object({ items: Type.Array(AccountOwner) }), ...errors },
      },
    },
    async (req) => ({
      items: await s.store.directory.listAccountOwners({
        ...(req.query.departed !== undefined ? { departed: req.query.departed } : {}),
        ...(req.query.personId !== undefined ? { personId: req.query.personId } : {}),
      }),
    }),
  );
  r.get(
    '/api/v1/directory/account-mappings',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: "Admins' statements that an account (on a host or every host) is a person's",
        response: { 200: Type.Object({ items: Type.Array(AccountMapping) }), ...errors },
      },
    },
    async () => ({ items: await s.store.directory.listAccountMappings() }),
  );
  r.post(
    '/api/v1/directory/account-mappings',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Map an account name (on one host, or every host) to a person',
        body: AccountMappingBody,
        response: {
          201: Type.Object({ mapping: AccountMapping, jobId: Type.String() }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!ACCOUNT.test(b.account))
        throw invalidInput(`account ${JSON.stringify(b.account)} is not a user name`, {
          details: { field: 'account', value: b.account },
        });
      const hostId = b.hostId ?? null;
      if (hostId !== null && !(await s.store.hosts.get(hostId)))
        throw notFound(`no host ${hostId}`, { details: { field: 'hostId', value: hostId } });
      await personOr404(b.personId, 'personId');
      const now = Date.now();
      const { actor } = caller(req);
      const mapping: AccountMappingRecord = {
        id: b.id ?? `am_${newId(now)}`,
        account: b.account,
        hostId,
        personId: b.personId,
        createdBy: actor,
        createdAt: now,
      };
      await s.store.directory.addAccountMapping(mapping);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'account-mapping.add',
        subject: mapping.id,
        details: { ...mapping },
      });
      const { job } = await discoverNow(actor);
      return reply.code(201).send({ mapping, jobId: job.id });
    },
  );
  r.delete(
    '/api/v1/directory/account-mappings/:id',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Remove an account mapping',
        params: IdParams,
        response: { 200: Type.Object({ removed: Type.String(), jobId: Type.String() }), ...errors },
      },
    },
    async (req) => {
      if (!(await s.store.directory.removeAccountMapping(req.params.id)))
        throw notFound(`no account mapping ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      const { actor } = caller(req);
      await s.store.audit.append({
        at: Date.now(),
        actor,
        action: 'account-mapping.remove',
        subject: req.params.id,
        details: {},
      });
      const { job } = await discoverNow(actor);
      return { removed: req.params.id, jobId: job.id };
    },
  );
}
