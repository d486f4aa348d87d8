/**
 * /api/v1/applications: applications defined by association rules (host group, host name
 * pattern, account pattern) and their members. Creating one, or changing its rules,
 * recomputes its members before the answer (so what the operator reads next is right);
 * internal-applications-update re-applies every application's rules on its interval.
 * Every change is audited. An application is named by its id or its name.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { checkRules, MAX_RULES } from '../applications/application-rules';
import { recomputeMembers } from '../applications/compute-members';
import { newId } from '../store/ids';
import type { ApplicationRecord } from '../store/reporting-store';
import { caller, type RequireRole } from './auth';
import { IdParams, Nullable, Page, PageQuery, errors } from './schemas';

const Rule = Type.Object(
  {
    groupId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    hostPattern: Type.Optional(Type.String({ description: 'host name wildcard (* ?)' })),
    accountPattern: Type.Optional(
      Type.String({ description: 'account name wildcard: members are matching accounts' }),
    ),
  },
  { additionalProperties: false },
);
const Application = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  rules: Type.Array(Rule),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  membersComputedAt: Nullable(Type.Integer()),
});
const Member = Type.Object({
  hostId: Type.String(),
  account: Nullable(Type.String({ description: 'null: the whole host' })),
});
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s/][^/]*$' });
const Rules = Type.Array(Rule, { maxItems: MAX_RULES });
const Changed = Type.Object({ application: Application, members: Type.Integer() });

export function registerApplicationsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['applications'];
  const find = async (idOrName: string): Promise<ApplicationRecord> => {
    const found =
      (await s.store.applications.get(idOrName)) ??
      (await s.store.applications.list()).find((a) => a.name === idOrName);
    if (!found)
      throw notFound(`no application ${idOrName}`, { details: { field: 'id', value: idOrName } });
    return found;
  };
  const recompute = async (a: ApplicationRecord) =>
    (await recomputeMembers(s.store, [a], Date.now))[a.name] ?? 0;

  r.get(
    '/api/v1/applications',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Applications, by name',
        response: { 200: Type.Object({ items: Type.Array(Application) }), ...errors },
      },
    },
    async () => ({ items: await s.store.applications.list() }),
  );

  r.get(
    '/api/v1/applications/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One application (by id or name)',
        params: IdParams,
        response: { 200: Application, ...errors },
      },
    },
    async (req) => find(req.params.id),
  );

  r.get(
    '/api/v1/applications/:id/members',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Hosts and accounts in the application, by host then account',
        params: IdParams,
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: Page(Member), ...errors },
      },
    },
    async (req) => {
      const a = await find(req.params.id);
      return s.store.applications.listMembers(a.id, {
        limit: req.query.limit ?? 50,
        ...(req.query.cursor ? { after: req.query.cursor } : {}),
      });
    },
  );

  r.post(
    '/api/v1/applications',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Define an application by association rules; its members are computed at once',
        body: Type.Object(
          {
            name: Name,
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            rules: Rules,
          },
          { additionalProperties: false },
        ),
        response: { 201: Changed, ...errors },
      },
    },
    async (req, reply) => {
      const rules = await checkRules(s.store, req.body.rules);
      const created = await s.store.applications.create(
        { id: newId(), name: req.body.name, description: req.body.description ?? '', rules },
        Date.now(),
      );
      const members = await recompute(created);
      await s.store.audit.append({
        at: Date.now(),
        actor: caller(req).actor,
        action: 'application.create',
        subject: created.id,
        details: { name: created.name, rules, members },
      });
      const application = (await s.store.applications.get(created.id)) ?? created;
      return reply.code(201).send({ application, members });
    },
  );

  r.patch(
    '/api/v1/applications/:id',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Rename an application or change its rules (members are recomputed at once)',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            rules: Type.Optional(Rules),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Changed, ...errors },
      },
    },
    async (req) => {
      const before = await find(req.params.id);
      const rules = req.body.rules ? await checkRules(s.store, req.body.rules) : undefined;
      const updated = await s.store.applications.update(
        before.id,
        { ...req.body, ...(rules ? { rules } : {}) },
        Date.now(),
      );
      if (!updated) throw notFound(`no application ${before.id}`, { details: { field: 'id' } });
      const members = rules ? await recompute(updated) : await countMembers(s, updated.id);
      await s.store.audit.append({
        at: Date.now(),
        actor: caller(req).actor,
        action: 'application.update',
        subject: updated.id,
        details: { from: before, to: updated, members },
      });
      const application = (await s.store.applications.get(updated.id)) ?? updated;
      return { application, members };
    },
  );

  r.delete(
    '/api/v1/applications/:id',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Remove an application and its memberships',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const a = await find(req.params.id);
      await s.store.applications.remove(a.id);
      await s.store.audit.append({
        at: Date.now(),
        actor: caller(req).actor,
        action: 'application.remove',
        subject: a.id,
        details: { name: a.name, rules: a.rules },
      });
      return reply.code(204).send(null);
    },
  );
}

async function countMembers(s: ControllerServices, id: string): Promise<number> {
  let n = 0;
  let after: string | undefined;
  do {
    const page = await s.store.applications.listMembers(id, {
      limit: 500,
      ...(after ? { after } : {}),
    });
    n += page.items.length;
    after = page.nextCursor ?? undefined;
  } while (after);
  return n;
}
