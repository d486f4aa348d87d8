/**
 * /api/v1/approvals (grants waiting for approvers: list, show with decisions, approve and
 * deny as the approver the caller's token names) and /api/v1/approval-policies (which host
 * groups need approval, from whom, how many). Every decision and refusal is audited.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { invalidInput, notFound } from '../../shared/errors';
import { checkRequired, checkTtl, resolveApprovers } from '../approvals/approvers';
import { cancelApproval } from '../approvals/cancel-approval';
import { decideApproval } from '../approvals/decide-approval';
import type { ControllerServices } from '../controller-services';
import {
  APPROVAL_STATES,
  type ApprovalPolicyRecord,
  type ApprovalRequestRecord,
} from '../store/approval-records';
import { caller, type RequireRole } from './auth';
import {
  ApprovalDecision,
  ApprovalPolicy,
  ApprovalPolicyBody,
  ApprovalQuery,
  ApprovalRequest,
  CancelBody,
} from './approval-schemas';
import { parseList } from './parse-query';
import { IdParams, Page, errors } from './schemas';

/** What the API shows of a request: everything but the hashes of its tokens. */
export function approvalView(r: ApprovalRequestRecord) {
  const { tokens: _tokens, subject, subjectKey: _key, ...rest } = r;
  return {
    ...rest,
    kind: subject.kind,
    ...(subject.kind === 'access-grant'
      ? { accessGroupId: subject.accessGroupId, personId: subject.personId }
      : {}),
  };
}

export function registerApprovalRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['approvals'];
  const Shown = Type.Object({ approval: ApprovalRequest, decisions: Type.Array(ApprovalDecision) });
  const show = async (req: ApprovalRequestRecord) => ({
    approval: approvalView(req),
    decisions: (await s.store.approvals.listDecisions(req.id)).map(
      ({ approver, decision, via, by, at }) => ({ approver, decision, via, by, at }),
    ),
  });

  r.get(
    '/api/v1/approvals',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Approval requests, newest first',
        querystring: ApprovalQuery,
        response: { 200: Page(ApprovalRequest), ...errors },
      },
    },
    async (req) => {
      const page = await s.store.approvals.listRequests(
        { state: parseList(req.query.state, 'state', APPROVAL_STATES) },
        { limit: req.query.limit ?? 50, after: req.query.cursor },
      );
      return { items: page.items.map(approvalView), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/v1/approvals/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One approval request and the decisions made on it',
        params: IdParams,
        response: { 200: Shown, ...errors },
      },
    },
    async (req) => {
      const a = await s.store.approvals.getRequest(req.params.id);
      if (!a)
        throw notFound(`no approval request ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      return show(a);
    },
  );

  for (const decision of ['approve', 'deny'] as const)
    r.post(
      `/api/v1/approvals/:id/${decision}`,
      {
        onRequest: auth('operator'),
        schema: {
          tags,
          summary: `${decision === 'approve' ? 'Approve' : 'Deny'} as the approver named like the caller's token`,
          params: IdParams,
          response: { 200: Shown, ...errors },
        },
      },
      async (req) => {
        const who = caller(req);
        const after = await decideApproval(
          s,
          {
            requestId: req.params.id,
            approver: who.name,
            decision,
            via: 'api',
            by: who.actor,
            tokenHash: null,
          },
          Date.now(),
        );
        return show(after);
      },
    );

  r.post(
    '/api/v1/approvals/:id/cancel',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Withdraw a pending request (the token that asked for it, or an admin)',
        params: IdParams,
        body: CancelBody,
        response: { 200: Shown, ...errors },
      },
    },
    async (req) => {
      const who = caller(req);
      const after = await cancelApproval(
        s,
        { requestId: req.params.id, by: who, reason: req.body.reason },
        Date.now(),
      );
      return show(after);
    },
  );

  r.get(
    '/api/v1/approval-policies',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Host groups whose grants need approval',
        response: { 200: Type.Object({ items: Type.Array(ApprovalPolicy) }), ...errors },
      },
    },
    async () => ({ items: await s.store.approvals.listPolicies() }),
  );

  r.put(
    '/api/v1/approval-policies/:id',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Grants to this host group (and its hosts) need N approvals from these approvers',
        params: IdParams,
        body: ApprovalPolicyBody,
        response: { 200: ApprovalPolicy, ...errors },
      },
    },
    async (req) => {
      const { actor } = caller(req);
      const groupId = req.params.id;
      if (!(await s.store.hostGroups.get(groupId)))
        throw notFound(`no host group ${groupId}`, { details: { field: 'id', value: groupId } });
      const approvers = await resolveApprovers(s.store, req.body.approvers);
      const escalateTo = req.body.escalateTo?.length
        ? await resolveApprovers(s.store, req.body.escalateTo, 'escalateTo')
        : [];
      const twice = escalateTo.find((e) => approvers.some((a) => a.name === e.name));
      if (twice)
        throw invalidInput(
          `escalateTo: ${twice.name} is already an approver of the policy; escalate to someone else`,
          { details: { field: 'escalateTo', value: twice.name } },
        );
      const now = Date.now();
      const policy: ApprovalPolicyRecord = {
        hostGroupId: groupId,
        approvers,
        required: checkRequired(req.body.required ?? 1, approvers.length),
        ttlMs: checkTtl(req.body.ttlMs ?? s.config.approvalTtlMs, 'ttlMs'),
        ...(escalateTo.length ? { escalateTo } : {}),
        createdBy: actor,
        createdAt: now,
      };
      await s.store.approvals.putPolicy(policy);
      await s.store.audit.append({
        at: now,
        actor,
        action: 'approval-policy.set',
        subject: groupId,
        details: {
          approvers: approvers.map((a) => `${a.name} <${a.email}>`),
          required: policy.required,
          ttlMs: policy.ttlMs,
          escalateTo: escalateTo.map((a) => `${a.name} <${a.email}>`),
        },
      });
      return policy;
    },
  );

  r.delete(
    '/api/v1/approval-policies/:id',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary: 'Grants to this host group no longer need approval (pending requests stay)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { actor } = caller(req);
      if (!(await s.store.approvals.removePolicy(req.params.id)))
        throw notFound(`no approval policy for host group ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      await s.store.audit.append({
        at: Date.now(),
        actor,
        action: 'approval-policy.remove',
        subject: req.params.id,
        details: {},
      });
      return reply.code(204).send(null);
    },
  );
}
