/**
 * /api/v1/reviews: access review campaigns, their rounds and items, the owner's decisions,
 * and the auditor's history of who had access to a host or group and who allowed it.
 * Deciding needs the operator role and, on top, to be the round's owner (or an admin):
 * see controller/access-reviews/decide-item.ts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { conflict, notFound } from '../../shared/errors';
import { accessHistory } from '../access-reviews/access-history';
import { createCampaign } from '../access-reviews/create-campaign';
import { decideReviewItem } from '../access-reviews/decide-item';
import type { QueueRemoval } from '../access-reviews/review-removal';
import type { ControllerServices } from '../controller-services';
import { removeAuthorization } from '../jobs/remove-authorization';
import { ITEM_DECISIONS, ROUND_STATES } from '../store/access-review-records';
import { caller, type RequireRole } from './auth';
import { parseList, parseTime } from './parse-query';
import {
  Campaign,
  CampaignBody,
  CampaignQuery,
  Counts,
  DecisionBody,
  HistoryEntry,
  HistoryQuery,
  Item,
  ItemParams,
  Round,
  RoundItemsQuery,
  RoundQuery,
} from './review-schemas';
import { IdParams, Nullable, Page, errors } from './schemas';

export function registerReviewRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['access reviews'];
  const roundOr404 = async (id: string) => {
    const round = await s.store.accessReviews.getRound(id);
    if (!round)
      throw notFound(`no access review round ${id}`, { details: { field: 'id', value: id } });
    return round;
  };

  r.post(
    '/api/v1/reviews/campaigns',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: 'Create a recurring access review of a host group',
        body: CampaignBody,
        response: { 201: Type.Object({ campaign: Campaign }), ...errors },
      },
    },
    async (req, reply) => {
      const { actor } = caller(req);
      const { firstRoundAt, ...rest } = req.body;
      const now = Date.now();
      const campaign = await createCampaign(
        s.store,
        {
          ...rest,
          ...(firstRoundAt !== undefined
            ? { firstRoundAt: parseTime(String(firstRoundAt), 'firstRoundAt') as number }
            : {}),
        },
        actor,
        now,
      );
      await s.store.audit.append({
        at: now,
        actor,
        action: 'access-review.campaign.create',
        subject: campaign.id,
        details: { ...campaign },
      });
      return reply.code(201).send({ campaign });
    },
  );

  r.get(
    '/api/v1/reviews/campaigns',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Access review campaigns, newest first',
        querystring: CampaignQuery,
        response: { 200: Page(Campaign), ...errors },
      },
    },
    async (req) =>
      s.store.accessReviews.listCampaigns(
        { ...(req.query.groupId ? { groupId: req.query.groupId } : {}) },
        { limit: req.query.limit ?? 50, after: req.query.cursor },
      ),
  );

  r.get(
    '/api/v1/reviews/campaigns/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One campaign and its latest rounds',
        params: IdParams,
        response: {
          200: Type.Object({ campaign: Campaign, rounds: Type.Array(Round) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const campaign = await s.store.accessReviews.getCampaign(req.params.id);
      if (!campaign)
        throw notFound(`no access review campaign ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      const rounds = await s.store.accessReviews.listRounds(
        { campaignId: campaign.id },
        { limit: 20 },
      );
      return { campaign, rounds: rounds.items };
    },
  );

  r.post(
    '/api/v1/reviews/campaigns/:id/stop',
    {
      onRequest: auth('admin'),
      schema: {
        tags,
        summary:
          'Stop a campaign: no round opens after this; an open round still closes at its deadline',
        params: IdParams,
        response: { 200: Type.Object({ campaign: Campaign }), ...errors },
      },
    },
    async (req) => {
      const { actor } = caller(req);
      const before = await s.store.accessReviews.getCampaign(req.params.id);
      if (!before)
        throw notFound(`no access review campaign ${req.params.id}`, {
          details: { field: 'id', value: req.params.id },
        });
      const now = Date.now();
      const campaign = await s.store.accessReviews.stopCampaign(before.id, actor, now);
      if (!campaign)
        throw conflict(`access review campaign ${before.id} is stopped already`, {
          details: { stoppedBy: before.stoppedBy, stoppedAt: before.stoppedAt },
        });
      await s.store.audit.append({
        at: now,
        actor,
        action: 'access-review.campaign.stop',
        subject: campaign.id,
        details: { groupId: campaign.groupId, owner: campaign.owner },
      });
      return { campaign };
    },
  );

  r.get(
    '/api/v1/reviews/rounds',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Review rounds, newest first (closed ones stay)',
        querystring: RoundQuery,
        response: { 200: Page(Round), ...errors },
      },
    },
    async (req) =>
      s.store.accessReviews.listRounds(
        {
          ...(req.query.campaignId ? { campaignId: req.query.campaignId } : {}),
          ...(req.query.state ? { state: parseList(req.query.state, 'state', ROUND_STATES) } : {}),
        },
        { limit: req.query.limit ?? 50, after: req.query.cursor },
      ),
  );

  r.get(
    '/api/v1/reviews/rounds/:id',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'One round: its counts by decision and a page of its items',
        params: IdParams,
        querystring: RoundItemsQuery,
        response: {
          200: Type.Object({
            round: Round,
            counts: Counts,
            items: Type.Array(Item),
            itemsCursor: Nullable(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const round = await roundOr404(req.params.id);
      const decision = parseList(req.query.decision, 'decision', ITEM_DECISIONS);
      const items = await s.store.accessReviews.listItems(
        { roundId: round.id, ...(decision ? { decision } : {}) },
        { limit: req.query.limit ?? 100, after: req.query.cursor },
      );
      return {
        round,
        counts: await s.store.accessReviews.countItems(round.id),
        items: items.items,
        itemsCursor: items.nextCursor,
      };
    },
  );

  const decide = (decision: 'confirmed' | 'revoked') =>
    async function (
      req: {
        params: { id: string; authorizationId: string };
        body?: { note?: string } | null;
      } & Parameters<typeof caller>[0],
    ) {
      const who = caller(req);
      const queueRemoval: QueueRemoval = async ({ authorizationId, dedupeKey }) =>
        (
          await s.queue.enqueue(
            removeAuthorization.type,
            { authorizationId, reason: 'removed' },
            { createdBy: who.actor, trigger: 'admin', dedupeKey },
          )
        ).job.id;
      return decideReviewItem(
        s.store,
        queueRemoval,
        {
          roundId: req.params.id,
          authorizationId: req.params.authorizationId,
          decision,
          ...(req.body?.note ? { note: req.body.note } : {}),
        },
        who,
        Date.now(),
      );
    };
  const Decided = Type.Object({ item: Item, jobId: Nullable(Type.String()) });
  r.post(
    '/api/v1/reviews/rounds/:id/items/:authorizationId/confirm',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary: "Confirm a grant: it stays (the round's owner or an admin only)",
        params: ItemParams,
        body: Type.Optional(DecisionBody),
        response: { 200: Decided, ...errors },
      },
    },
    decide('confirmed'),
  );
  r.post(
    '/api/v1/reviews/rounds/:id/items/:authorizationId/revoke',
    {
      onRequest: auth('operator'),
      schema: {
        tags,
        summary:
          "Revoke a grant: it is removed from every host now (the round's owner or an admin only)",
        params: ItemParams,
        body: Type.Optional(DecisionBody),
        response: { 200: Decided, ...errors },
      },
    },
    decide('revoked'),
  );

  r.get(
    '/api/v1/reviews/access-history',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary:
          'Who had access to a host or group between two moments, who granted it, who confirmed or revoked it in reviews, who ended it',
        querystring: HistoryQuery,
        response: { 200: Type.Object({ items: Type.Array(HistoryEntry) }), ...errors },
      },
    },
    async (req) => ({
      items: await accessHistory(s.store, {
        ...(req.query.hostId ? { hostId: req.query.hostId } : {}),
        ...(req.query.groupId ? { groupId: req.query.groupId } : {}),
        from: parseTime(req.query.from, 'from') ?? 0,
        to: parseTime(req.query.to, 'to') ?? Date.now(),
      }),
    }),
  );
}
