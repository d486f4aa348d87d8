/**
 * /api/v1/directory/ldap (where ldap-sync reads people; the bind password is sealed on
 * arrival and never returned, logged or audited), /api/v1/people (who owns keys, synced or
 * given keys by hand) and /api/v1/access-groups (directory group → host group as account).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import { formatAuthorizedKeyOptions } from '../../shared/ssh/authorized-key-options';
import type { ControllerServices } from '../controller-services';
import { checkAccessGroupLimits } from '../directory/access-group-limits';
import { buildLdapSettings, ldapSettingsView } from '../directory/ldap-settings';
import { mergeKeys, uploadedKey } from '../directory/person-keys';
import { isMember } from '../directory/process-access-groups';
import { accessGroupsProcessing } from '../jobs/access-groups-processing';
import { secretBoxFor } from '../secrets/secret-boxes';
import type { AccessGroupRecord } from '../store/directory-records';
import { newId } from '../store/ids';
import { caller, type RequireRole } from './auth';
import {
  AccessGrant,
  AccessGroup,
  AccessGroupBody,
  AccessGroupMember,
  AccountOwner,
  KeyOwner,
  LdapSettings,
  LdapSettingsBody,
  PeopleQuery,
  Person,
  PersonKeyBody,
} from './directory-schemas';
import { Fingerprint } from './inventory-schemas';
import { IdParams, errors } from './schemas';

const ACCOUNT = /^[a-z_][a-z0-9_.-]*\$?$/i;

export function registerDirectoryRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['people'];
  const personOr404 = async (id: string) => {
    const p = await s.store.directory.getPerson(id);
    if (!p) throw notFound(`no person ${id}`, { details: { field: 'id', value: id } });
    return p;
  };
  const processNow = (actor: string) =>
    s.queue.enqueue(accessGroupsProcessing.type, {}, { createdBy: actor, trigger: 'admin' });

  r.get(
    '/api/v1/directory/ldap',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The LDAP directory ldap-sync reads (without the bind password)',
        response: { 200: LdapSettings, ...errors },
      },
    },
    async () => {
      const current = await s.store.directory.getLdap();
      if (!current)
        throw notFound('no directory is configured: keywarden directory set', {
          details: { field: 'directory' },
        });
      return ldapSettingsView(current);
    },
  );
  r.put(
    '/api/v1/directory/ldap',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Set the LDAP directory; the bind password is sealed with the master key',
        body: LdapSettingsBody,
        response: { 200: LdapSettings, ...errors },
      },
    },
    async (req) => {
      const now = Date.now();
      const { actor } = caller(req);
      const current = await s.store.directory.getLdap();
      const next = buildLdapSettings(req.body, current, secretBoxFor(s.config), actor, now);
      await s.store.directory.putLdap(next);
      const view = ldapSettingsView(next);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'directory.ldap.set',
        subject: 'ldap',
        details: {
          url: view.url,
          startTls: view.startTls,
          bindDn: view.bindDn,
          userBase: view.userBase,
          groupBase: view.groupBase,
          bindPasswordSet: view.bindPasswordSet,
          bindPasswordChanged: req.body.bindPassword !== undefined,
          pageSize: view.pageSize,
          nestingDepth: view.nestingDepth,
          serverKind: view.serverKind,
          incremental: view.incremental,
          fullSyncEvery: view.fullSyncEvery,
          keyCommentPattern: view.keyCommentPattern,
          keyCommentField: view.keyCommentField,
          accountMatch: view.accountMatch,
        },
      });
      return view;
    },
  );
  r.get(
    '/api/v1/people',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'People by name: their keys, directory groups and state',
        querystring: PeopleQuery,
        response: { 200: Type.Object({ items: Type.Array(Person) }), ...errors },
      },
    },
    async (req) => ({ items: await s.store.directory.listPeople({ state: req.query.state }) }),
  );
  r.get(
    '/api/v1/people/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One person and the grants access groups made for their keys',
        params: IdParams,
        response: {
          200: Type.Object({
            person: Person,
            grants: Type.Array(AccessGrant),
            fleetKeys: Type.Array(KeyOwner),
            accounts: Type.Array(AccountOwner),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({
      person: await personOr404(req.params.id),
      grants: await s.store.directory.listGrants({ personId: req.params.id }),
      fleetKeys: await s.store.directory.listKeyOwners({ personId: req.params.id }),
      accounts: await s.store.directory.listAccountOwners({ personId: req.params.id }),
    }),
  );
  r.delete(
    '/api/v1/people/:id/keys/:fingerprint',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Remove a key given by hand (the grants made for it are removed)',
        params: Type.Object({ id: IdParams.properties.id, fingerprint: Fingerprint }),
        response: { 200: Person, ...errors },
      },
    },
    async (req) => {
      const now = Date.now();
      const p = await personOr404(req.params.id);
      const key = p.keys.find((k) => k.fingerprint === req.params.fingerprint);
      if (!key)
        throw notFound(`${p.name} has no key ${req.params.fingerprint}`, {
          details: { field: 'fingerprint', value: req.params.fingerprint },
        });
      if (key.source === 'directory')
        throw invalidInput(
          `key ${key.fingerprint} comes from the directory's sshPublicKey: remove it there (the next sync would bring it back)`,
          {
            details: {
              field: 'fingerprint',
              value: key.fingerprint,
              expected: 'a key given by hand',
            },
          },
        );
      const next = {
        ...p,
        keys: p.keys.filter((k) => k.fingerprint !== key.fingerprint),
        updatedAt: now,
      };
      await s.store.directory.putPerson(next);
      const { actor } = caller(req);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'person.key.remove',
        subject: p.id,
        details: { fingerprint: key.fingerprint },
      });
      await processNow(actor);
      return next;
    },
  );
  r.post(
    '/api/v1/people/:id/keys',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary:
          "Add a public key to a person (kept across syncs; the directory's own keys are replaced)",
        params: IdParams,
        body: PersonKeyBody,
        response: { 200: Person, ...errors },
      },
    },
    async (req) => {
      const now = Date.now();
      const p = await personOr404(req.params.id);
      const key = uploadedKey(req.body.publicKey);
      const next = { ...p, keys: mergeKeys([...p.keys, key]), updatedAt: now };
      await s.store.directory.putPerson(next);
      const { actor } = caller(req);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'person.key.add',
        subject: p.id,
        details: { fingerprint: key.fingerprint },
      });
      await processNow(actor);
      return next;
    },
  );
  r.get(
    '/api/v1/access-groups',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Access groups: directory group → host group as account',
        response: { 200: Type.Object({ items: Type.Array(AccessGroup) }), ...errors },
      },
    },
    async () => ({ items: await s.store.directory.listAccessGroups() }),
  );
  r.get(
    '/api/v1/access-groups/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One access group, the people in its directory group and the grants it made',
        params: IdParams,
        response: {
          200: Type.Object({
            accessGroup: AccessGroup,
            members: Type.Array(AccessGroupMember),
            grants: Type.Array(AccessGrant),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const g = await s.store.directory.getAccessGroup(req.params.id);
      if (!g)
        throw notFound(`no access group ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      const people = await s.store.directory.listPeople();
      return {
        accessGroup: g,
        members: people
          .filter((p) => isMember(g, p))
          .map((p) => ({
            id: p.id,
            uid: p.uid,
            name: p.name,
            state: p.state,
            keys: p.keys.length,
          })),
        grants: await s.store.directory.listGrants({ accessGroupId: g.id }),
      };
    },
  );
  r.post(
    '/api/v1/access-groups',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: "Map a directory group to a host group and account; members' keys are granted",
        body: AccessGroupBody,
        response: {
          201: Type.Object({ accessGroup: AccessGroup, jobId: Type.String() }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const now = Date.now();
      const { actor } = caller(req);
      const b = req.body;
      if (!ACCOUNT.test(b.account))
        throw invalidInput(`account ${JSON.stringify(b.account)} is not a user name`, {
          details: { field: 'account', value: b.account },
        });
      if (!(await s.store.hostGroups.get(b.hostGroupId)))
        throw notFound(`no host group ${b.hostGroupId}`, {
          details: { field: 'hostGroupId', value: b.hostGroupId },
        });
      const options = (b.options ?? []).map((o) => ({ ...o, name: o.name.toLowerCase() }));
      if (options.some((o) => o.name === 'expiry-time'))
        throw invalidInput('options: expiry-time is not allowed on an access group', {
          details: { field: 'options', value: 'expiry-time' },
        });
      formatAuthorizedKeyOptions(options); // INVALID_INPUT naming an option sshd would refuse
      const limits = checkAccessGroupLimits(b, options);
      if (b.directoryGroup === undefined && !b.members?.length)
        throw invalidInput('give directoryGroup, members, or both', {
          details: { field: 'directoryGroup', expected: 'a directory group or a member list' },
        });
      for (const id of b.members ?? [])
        if (!(await s.store.directory.getPerson(id)))
          throw notFound(`no person ${id}`, { details: { field: 'members', value: id } });
      const group: AccessGroupRecord = {
        id: b.id ?? `ag_${newId(now)}`,
        directoryGroup: b.directoryGroup ?? null,
        ...(b.members?.length ? { members: [...new Set(b.members)] } : {}),
        hostGroupId: b.hostGroupId,
        account: b.account,
        options,
        ...limits,
        createdBy: actor,
        createdAt: now,
      };
      await s.store.directory.addAccessGroup(group);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'access-group.add',
        subject: group.id,
        details: { ...group },
      });
      const { job } = await processNow(actor);
      return reply.code(201).send({ accessGroup: group, jobId: job.id });
    },
  );
  r.delete(
    '/api/v1/access-groups/:id',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Remove an access group; the authorizations it made are removed',
        params: IdParams,
        response: { 200: Type.Object({ removed: Type.String(), jobId: Type.String() }), ...errors },
      },
    },
    async (req) => {
      if (!(await s.store.directory.removeAccessGroup(req.params.id)))
        throw notFound(`no access group ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      const { actor } = caller(req);
      await s.store.audit.append({
        at: Date.now(),
        actor,
        action: 'access-group.remove',
        subject: req.params.id,
        details: {},
      });
      const { job } = await processNow(actor);
      return { removed: req.params.id, jobId: job.id };
    },
  );
}
