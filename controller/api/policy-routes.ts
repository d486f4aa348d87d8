/**
 * /api/v1/policies: policies as data (list, show, versions, add, edit, remove) and the dry
 * run of a proposed policy or edit. A change queues evaluate-policy, which raises and
 * resolves that policy's alerts over the whole inventory. The bodies are checked by
 * validate-policy.ts, which names the wrong field; the schemas below are for the OpenAPI
 * document (a union's errors name no field, so fastify does not validate these bodies).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import { newId } from '../store/ids';
import type { PolicyInput, PolicyRecord } from '../store/policy-records';
import { dryRunPolicy } from '../policy/dry-run';
import { PolicyInputSchema, PolicySchema } from '../policy/policy-schema';
import { RULES } from '../policy/rules';
import { validatePolicyInput } from '../policy/validate-policy';
import { caller, type RequireRole } from './auth';
import { Alert, Page, PageQuery, errors } from './schemas';
import { policyRange } from '../policy/policy-types';
import { evaluatePolicy } from '../jobs/evaluate-policy';

/** Bodies here are validated by validatePolicyInput (see above). */
const checkedByHandler: FastifySchemaCompiler<unknown> = () => (value) => ({ value });

const PolicyId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$' });
const PolicyParams = Type.Object({ id: PolicyId });
const Changed = Type.Object({ policy: PolicySchema, jobId: Type.String() });
const PolicyPatch = Type.Partial(PolicyInputSchema, {
  description:
    'fields to change; the rest is kept. `version` refuses an edit of a policy changed since it was read',
});
const DryRunBody = Type.Object({
  id: Type.Optional(PolicyId),
  policy: Type.Optional(PolicyPatch),
  remove: Type.Optional(Type.Boolean()),
});
const DryRunItem = Type.Object({
  dedupeKey: Type.String(),
  severity: Type.String(),
  subject: Type.String(),
  message: Type.String(),
  context: Type.Unknown(),
  alertId: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
});
const DryRun = Type.Object({
  policy: PolicySchema,
  hosts: Type.Integer(),
  findings: Type.Integer(),
  wouldRaise: Type.Object({ count: Type.Integer(), items: Type.Array(DryRunItem) }),
  wouldResolve: Type.Object({ count: Type.Integer(), items: Type.Array(DryRunItem) }),
  unchanged: Type.Integer(),
});

const explained = (p: PolicyRecord) => ({
  ...p,
  explanation: (RULES[p.rule.kind].explain as (r: unknown) => string)(p.rule),
});

function editOf(current: PolicyRecord, body: unknown): { input: PolicyInput; version?: number } {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalidInput('policy edit: expected a JSON object of the fields to change', {
      details: { field: '(whole)' },
    });
  const { version, ...fields } = body as Record<string, unknown>;
  if (version !== undefined && !Number.isInteger(version))
    throw invalidInput(
      `policy field version: expected an integer, got ${JSON.stringify(version)}`,
      {
        details: { field: 'version', value: version as never },
      },
    );
  const { name, description, enabled, severity, scope, rule } = current;
  const input = validatePolicyInput({
    name,
    description,
    enabled,
    severity,
    scope,
    rule,
    ...fields,
  });
  return { input, ...(version !== undefined ? { version: version as number } : {}) };
}

export function registerPolicyRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['policies'];
  const load = async (id: string) => {
    const p = await s.store.policies.get(id);
    if (!p || p.removedAt !== null)
      throw notFound(`no policy ${id}`, { details: { field: 'id', value: id } });
    return p;
  };
  const evaluate = async (p: PolicyRecord, actor: string) =>
    (
      await s.queue.enqueue(
        evaluatePolicy.type,
        { policyId: p.id },
        { createdBy: actor, trigger: 'admin', dedupeKey: `${evaluatePolicy.type}:${p.id}` },
      )
    ).job.id;
  const audit = (actor: string, action: string, p: PolicyRecord, now: number) =>
    s.store.audit.append({
      at: now,
      actor,
      action: `policy.${action}`,
      subject: p.id,
      details: { name: p.name, version: p.version, severity: p.severity, rule: p.rule.kind },
    });

  r.get(
    '/api/v1/policies',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Policies in force (and removed ones with ?includeRemoved=true)',
        querystring: Type.Object({ includeRemoved: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ items: Type.Array(PolicySchema) }), ...errors },
      },
    },
    async (req) => ({
      items: (
        await s.store.policies.list({ includeRemoved: req.query.includeRemoved ?? false })
      ).map(explained),
    }),
  );
  r.get(
    '/api/v1/policies/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One policy',
        params: PolicyParams,
        response: { 200: PolicySchema, ...errors },
      },
    },
    async (req) => {
      const p = await s.store.policies.get(req.params.id);
      if (!p)
        throw notFound(`no policy ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      return explained(p);
    },
  );
  r.get(
    '/api/v1/policies/:id/versions',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Every version of a policy, oldest first',
        params: PolicyParams,
        response: { 200: Type.Object({ items: Type.Array(PolicySchema) }), ...errors },
      },
    },
    async (req) => {
      const items = await s.store.policies.versions(req.params.id);
      if (items.length === 0)
        throw notFound(`no policy ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      return { items: items.map(explained) };
    },
  );
  r.get(
    '/api/v1/policies/:id/violations',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: "The policy's violations now: its open and dismissed alerts, by object",
        description:
          'Read in dedupe-key order from its index; the cursor is the last dedupeKey returned.',
        params: PolicyParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(Alert), ...errors },
      },
    },
    async (req) => {
      await load(req.params.id);
      const limit = req.query.limit ?? 50;
      const range = policyRange(req.params.id);
      const after = req.query.cursor === undefined ? '' : `${req.query.cursor}\0`;
      const items = await s.store.alerts.listActiveInRange(
        { from: after > range.from ? after : range.from, to: range.to },
        limit + 1,
      );
      const page = items.slice(0, limit);
      return {
        items: page,
        nextCursor: items.length > limit ? (page.at(-1)?.dedupeKey ?? null) : null,
      };
    },
  );
  r.post(
    '/api/v1/policies',
    {
      onRequest: auth('admin'),
      validatorCompiler: checkedByHandler,
      schema: {
        tags,
        summary: 'Add a policy; its evaluation over the inventory is queued (jobId)',
        body: Type.Intersect([Type.Object({ id: Type.Optional(PolicyId) }), PolicyInputSchema]),
        response: { 201: Changed, ...errors },
      },
    },
    async (req, reply) => {
      const { id, ...rest } = (req.body ?? {}) as { id?: unknown };
      if (id !== undefined && (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(id)))
        throw invalidInput(
          `policy field id: expected letters, digits, . _ -, got ${JSON.stringify(id)}`,
          {
            details: { field: 'id', value: id as never },
          },
        );
      const input = validatePolicyInput(rest);
      const now = Date.now();
      const { actor } = caller(req);
      const policy = await s.store.policies.create(
        (id as string | undefined) ?? `pol-${newId(now)}`,
        input,
        actor,
        now,
      );
      await audit(actor, 'add', policy, now);
      return reply
        .status(201)
        .send({ policy: explained(policy), jobId: await evaluate(policy, actor) });
    },
  );
  r.patch(
    '/api/v1/policies/:id',
    {
      onRequest: auth('admin'),
      validatorCompiler: checkedByHandler,
      schema: {
        tags,
        summary: 'Edit a policy: a new version, the previous one kept; re-evaluation queued',
        params: PolicyParams,
        body: Type.Intersect([
          Type.Object({ version: Type.Optional(Type.Integer()) }),
          PolicyPatch,
        ]),
        response: { 200: Changed, ...errors },
      },
    },
    async (req) => {
      const id = (req.params as { id: string }).id;
      const current = await load(id);
      const { input, version } = editOf(current, req.body);
      const now = Date.now();
      const { actor } = caller(req);
      const policy = await s.store.policies.update(
        id,
        input,
        version ?? current.version,
        actor,
        now,
      );
      if (!policy) throw notFound(`no policy ${id}`, { details: { field: 'id', value: id } });
      await audit(actor, 'edit', policy, now);
      return { policy: explained(policy), jobId: await evaluate(policy, actor) };
    },
  );
  r.delete(
    '/api/v1/policies/:id',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary:
          'Remove a policy (its versions are kept); its alerts are resolved by the queued job',
        params: PolicyParams,
        response: { 200: Changed, ...errors },
      },
    },
    async (req) => {
      await load(req.params.id);
      const now = Date.now();
      const { actor } = caller(req);
      const policy = await s.store.policies.remove(req.params.id, actor, now);
      if (!policy)
        throw notFound(`no policy ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      await audit(actor, 'remove', policy, now);
      return { policy: explained(policy), jobId: await evaluate(policy, actor) };
    },
  );
  r.post(
    '/api/v1/policies/dry-run',
    {
      onRequest: auth('auditor'),
      validatorCompiler: checkedByHandler,
      schema: {
        tags,
        summary:
          'What a new policy ({policy}), an edit ({id, policy}) or a removal ({id, remove: true}) would raise and resolve now; nothing is saved',
        body: DryRunBody,
        response: { 200: DryRun, ...errors },
      },
    },
    async (req) => {
      const body = (req.body ?? {}) as { id?: unknown; policy?: unknown; remove?: unknown };
      const { actor } = caller(req);
      const now = Date.now();
      if (body.id === undefined) {
        if (body.remove !== undefined)
          throw invalidInput('dry run field remove: give the id of the policy to remove', {
            details: { field: 'id' },
          });
        return dryRunPolicy(
          s.store,
          { current: null, input: validatePolicyInput(body.policy), by: actor },
          now,
        );
      }
      if (typeof body.id !== 'string')
        throw invalidInput(
          `dry run field id: expected a policy id, got ${JSON.stringify(body.id)}`,
          {
            details: { field: 'id', value: body.id as never },
          },
        );
      const current = await load(body.id);
      if (body.remove === true)
        return dryRunPolicy(s.store, { current, input: null, by: actor }, now);
      return dryRunPolicy(
        s.store,
        { current, input: editOf(current, body.policy ?? {}).input, by: actor },
        now,
      );
    },
  );
}
