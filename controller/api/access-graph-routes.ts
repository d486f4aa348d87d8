/**
 * /api/v1/access: questions answered from the access graph (graph-analysis's newest
 * snapshot) and, for a past date, from the inventory's history. Read-only: auditors may ask.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../shared/errors';
import { latestGraph } from '../access/graph/graph-cache';
import {
  edgeAt,
  edgeCount,
  nodeAt,
  nodeCount,
  page,
  subgraph,
  toDot,
  toGraphml,
} from '../access/graph/graph-export';
import { keyReach, whoCanReach } from '../access/graph/reach-queries';
import { whoCouldLogIn } from '../access/graph/who-could-log-in';
import type { ControllerServices } from '../controller-services';
import {
  GraphEdge,
  GraphExportQuery,
  GraphNode,
  GraphPageQuery,
  KeyReachAnswer,
  KeyReachQuery,
  SnapshotMeta,
  WhoCanReachAnswer,
  WhoCanReachQuery,
  WhoCouldLogInAnswer,
  WhoCouldLogInQuery,
} from './access-graph-schemas';
import type { RequireRole } from './auth';
import { parseTime } from './parse-query';
import { Nullable, errors } from './schemas';

/** A whole-graph export past this many edges is refused: export one host, or page. */
export const MAX_EXPORT_EDGES = 200_000;

export function registerAccessGraphRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['access'];
  const repo = s.store.accessGraph;

  r.get(
    '/api/v1/access/who-can-reach',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary:
          'Keys that can log in to a host, directly or through stored private keys, with the path',
        querystring: WhoCanReachQuery,
        response: { 200: WhoCanReachAnswer, ...errors },
      },
    },
    async (req) => {
      const { meta, graph } = await latestGraph(repo);
      const at = parseTime(req.query.at, 'at');
      const res = whoCanReach(graph, req.query.host, {
        ...(at !== undefined ? { at } : {}),
        ...(req.query.account !== undefined ? { account: req.query.account } : {}),
        maxHops: req.query.maxHops ?? 8,
        limit: req.query.limit ?? 1000,
      });
      if (!res.hostKnown)
        throw notFound(
          `host ${req.query.host} is not in the access graph of ${new Date(meta.createdAt).toISOString()}` +
            ' (graph-analysis runs hourly; `keywarden jobs run graph-analysis` rebuilds it now)',
          {
            details: { field: 'host', value: req.query.host },
          },
        );
      return {
        snapshot: { id: meta.id, createdAt: meta.createdAt },
        at: at ?? null,
        items: res.items,
        truncated: res.truncated,
      };
    },
  );

  r.get(
    '/api/v1/access/key-reach',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Where a key can log in, directly or through private keys stored on the way',
        querystring: KeyReachQuery,
        response: { 200: KeyReachAnswer, ...errors },
      },
    },
    async (req) => {
      const { meta, graph } = await latestGraph(repo);
      const at = parseTime(req.query.at, 'at');
      const res = keyReach(graph, req.query.fingerprint, {
        ...(at !== undefined ? { at } : {}),
        maxHops: req.query.maxHops ?? 8,
        limit: req.query.limit ?? 1000,
      });
      return { snapshot: { id: meta.id, createdAt: meta.createdAt }, at: at ?? null, ...res };
    },
  );

  r.get(
    '/api/v1/access/who-could-log-in',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The authorized keys of a host (and account) present at a past moment',
        querystring: WhoCouldLogInQuery,
        response: { 200: WhoCouldLogInAnswer, ...errors },
      },
    },
    async (req) => {
      const at = parseTime(req.query.at, 'at')!;
      const items = await whoCouldLogIn(s.store, {
        hostId: req.query.host,
        at,
        ...(req.query.account !== undefined ? { account: req.query.account } : {}),
      });
      return { at, items };
    },
  );

  r.get(
    '/api/v1/access/graph',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'The newest access graph snapshot: when, by which job, how large',
        response: { 200: SnapshotMeta, ...errors },
      },
    },
    async () => {
      const meta = await repo.latestSnapshot();
      if (!meta) throw notFound('no access graph yet: run the graph-analysis job');
      return meta;
    },
  );

  r.get(
    '/api/v1/access/graph/nodes',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Nodes of the access graph: hosts, then accounts, then keys (paged)',
        querystring: GraphPageQuery,
        response: {
          200: Type.Object({ items: Type.Array(GraphNode), nextCursor: Nullable(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { graph } = await latestGraph(repo);
      return page(
        nodeCount(graph),
        (i) => nodeAt(graph, i),
        Number(req.query.cursor ?? 0),
        req.query.limit ?? 1000,
      );
    },
  );

  r.get(
    '/api/v1/access/graph/edges',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: 'Edges of the access graph: opens, stored-in, on (paged; removed ones on request)',
        querystring: GraphPageQuery,
        response: {
          200: Type.Object({ items: Type.Array(GraphEdge), nextCursor: Nullable(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { graph } = await latestGraph(repo);
      const removed = req.query.includeRemoved ?? false;
      return page(
        edgeCount(graph),
        (i) => edgeAt(graph, i, removed),
        Number(req.query.cursor ?? 0),
        req.query.limit ?? 1000,
      );
    },
  );

  r.get(
    '/api/v1/access/graph/export',
    {
      onRequest: auth('auditor'),
      schema: {
        tags,
        summary: "The access graph (or one host's part) as JSON, DOT (Graphviz) or GraphML",
        querystring: GraphExportQuery,
        response: { 200: Type.String(), ...errors },
      },
    },
    async (req, reply) => {
      const { meta, graph } = await latestGraph(repo);
      const sub = subgraph(graph, {
        ...(req.query.host !== undefined ? { hostId: req.query.host } : {}),
        includeRemoved: req.query.includeRemoved ?? false,
        maxEdges: MAX_EXPORT_EDGES,
      });
      switch (req.query.format) {
        case 'dot':
          return reply.type('text/vnd.graphviz; charset=utf-8').send(toDot(sub));
        case 'graphml':
          return reply.type('application/graphml+xml; charset=utf-8').send(toGraphml(sub));
        default:
          return reply
            .type('application/json; charset=utf-8')
            .send(JSON.stringify({ snapshot: { id: meta.id, createdAt: meta.createdAt }, ...sub }));
      }
    },
  );
}
