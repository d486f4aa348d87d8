/**
 * The graph as other tools read it: JSON nodes and edges (paged), GraphML and DOT. Node ids
 * are `host:<id>`, `account:<name>@<host id>` and `key:<SHA256 fingerprint>`. Edges are
 * `opens` (key -> account), `stored-in` (key -> account) and `on` (account -> host).
 */
import { invalidInput } from '../../../shared/errors';
import { AccessGraph } from './access-graph';

export type GraphNode =
  | { id: string; kind: 'host'; hostId: string }
  | { id: string; kind: 'account'; hostId: string; account: string }
  | { id: string; kind: 'key'; fingerprint: string };

export interface GraphEdge {
  kind: 'opens' | 'stored-in' | 'on';
  from: string;
  to: string;
  firstSeenAt?: number;
  removedAt?: number | null;
  options?: string;
  lastUsedAt?: number | null;
  lastUsedFrom?: string | null;
  path?: string;
}

const hostNode = (g: AccessGraph, h: number): GraphNode => ({
  id: `host:${g.data.hosts[h]!}`,
  kind: 'host',
  hostId: g.data.hosts[h]!,
});
const accountId = (g: AccessGraph, a: number) => `account:${g.data.accountName[a]!}@${g.hostOf(a)}`;
const keyId = (g: AccessGraph, k: number) => `key:${g.data.keys[k]!}`;

export function nodeAt(g: AccessGraph, i: number): GraphNode {
  const { hosts, accountName, keys } = g.data;
  if (i < hosts.length) return hostNode(g, i);
  const a = i - hosts.length;
  if (a < accountName.length)
    return { id: accountId(g, a), kind: 'account', hostId: g.hostOf(a), account: accountName[a]! };
  const k = a - accountName.length;
  return { id: keyId(g, k), kind: 'key', fingerprint: keys[k]! };
}

export const nodeCount = (g: AccessGraph) =>
  g.data.hosts.length + g.data.accountName.length + g.data.keys.length;
export const edgeCount = (g: AccessGraph) =>
  g.data.opens.key.length + g.data.stored.key.length + g.data.accountName.length;

const orNull = (n: number) => (Number.isNaN(n) ? null : n);

/** Edge i, or null when it is a removed edge and only present ones are asked for. */
export function edgeAt(g: AccessGraph, i: number, includeRemoved: boolean): GraphEdge | null {
  const { opens, stored, strings, accountHost } = g.data;
  const no = opens.key.length;
  const ns = stored.key.length;
  if (i < no) {
    if (!includeRemoved && !AccessGraph.active(opens, i, undefined)) return null;
    const a = opens.attr[i]!;
    const f = opens.lastUsedFrom[i]!;
    return {
      kind: 'opens',
      from: keyId(g, opens.key[i]!),
      to: accountId(g, opens.account[i]!),
      firstSeenAt: opens.firstSeen[i]!,
      removedAt: orNull(opens.removed[i]!),
      options: a < 0 ? '' : optionsText(strings[a]!),
      lastUsedAt: orNull(opens.lastUsed[i]!),
      lastUsedFrom: f < 0 ? null : strings[f]!,
    };
  }
  if (i < no + ns) {
    const s = i - no;
    if (!includeRemoved && !AccessGraph.active(stored, s, undefined)) return null;
    return {
      kind: 'stored-in',
      from: keyId(g, stored.key[s]!),
      to: accountId(g, stored.account[s]!),
      firstSeenAt: stored.firstSeen[s]!,
      removedAt: orNull(stored.removed[s]!),
      path: strings[stored.attr[s]!] ?? '',
    };
  }
  const a = i - no - ns;
  return { kind: 'on', from: accountId(g, a), to: hostNode(g, accountHost[a]!).id };
}

/** OpenSSH's own spelling: `from="10.0.0.1",no-pty`. */
function optionsText(json: string): string {
  const opts = JSON.parse(json) as { name: string; value?: string }[];
  return opts
    .map((o) => (o.value === undefined ? o.name : `${o.name}="${o.value.replace(/"/g, '\\"')}"`))
    .join(',');
}

/** A page of nodes or edges: `cursor` is the index to start at. */
export function page<T>(
  total: number,
  at: (i: number) => T | null,
  cursor: number,
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items: T[] = [];
  let i = cursor;
  for (; i < total && items.length < limit; i++) {
    const v = at(i);
    if (v !== null) items.push(v);
  }
  return { items, nextCursor: i < total ? String(i) : null };
}

/** The edges to export (those of one host's accounts, when `hostId` is given) and their nodes. */
export function subgraph(
  g: AccessGraph,
  opts: { hostId?: string; includeRemoved: boolean; maxEdges: number },
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const all = edgeCount(g);
  let h: number | undefined;
  if (opts.hostId !== undefined) {
    h = g.hostIndex.get(opts.hostId);
    if (h === undefined) return { nodes: [], edges: [] };
  }
  const edges: GraphEdge[] = [];
  const nodeIds = new Set<string>();
  const { opens, stored, accountHost } = g.data;
  // The account an edge ends at (opens, stored-in) or starts from (on), by edge index.
  const accountOf = (i: number) =>
    i < opens.key.length
      ? opens.account[i]!
      : i < opens.key.length + stored.key.length
        ? stored.account[i - opens.key.length]!
        : i - opens.key.length - stored.key.length;
  for (let i = 0; i < all; i++) {
    if (h !== undefined && accountHost[accountOf(i)] !== h) continue;
    const e = edgeAt(g, i, opts.includeRemoved);
    if (!e) continue;
    if (edges.length >= opts.maxEdges)
      throw invalidInput(
        `the graph has more than ${opts.maxEdges} edges to export: export one host (host=...) or page /api/v1/access/graph/edges`,
        { details: { field: 'host', expected: 'a host id to export only its part of the graph' } },
      );
    edges.push(e);
    nodeIds.add(e.from);
    nodeIds.add(e.to);
  }
  const nodes: GraphNode[] = [];
  for (let i = 0, n = nodeCount(g); i < n; i++) {
    const node = nodeAt(g, i);
    if (nodeIds.has(node.id)) nodes.push(node);
  }
  return { nodes, edges };
}

const dotString = (s: string) =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function toDot(sub: { nodes: GraphNode[]; edges: GraphEdge[] }): string {
  const out = ['digraph access {', '  rankdir=LR;'];
  const shape = { host: 'box3d', account: 'box', key: 'ellipse' } as const;
  for (const n of sub.nodes) {
    const label = n.kind === 'host' ? n.hostId : n.kind === 'account' ? n.account : n.fingerprint;
    out.push(`  ${dotString(n.id)} [shape=${shape[n.kind]}, label=${dotString(label)}];`);
  }
  for (const e of sub.edges) {
    const attrs = [`label=${dotString(e.kind)}`];
    if (e.kind === 'stored-in') attrs.push('style=dashed');
    if (e.removedAt) attrs.push('color=gray');
    out.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function toGraphml(sub: { nodes: GraphNode[]; edges: GraphEdge[] }): string {
  const keys: Array<[string, 'node' | 'edge', string]> = [
    ['kind', 'node', 'string'],
    ['hostId', 'node', 'string'],
    ['account', 'node', 'string'],
    ['fingerprint', 'node', 'string'],
    ['ekind', 'edge', 'string'],
    ['firstSeenAt', 'edge', 'long'],
    ['removedAt', 'edge', 'long'],
    ['options', 'edge', 'string'],
    ['lastUsedAt', 'edge', 'long'],
    ['lastUsedFrom', 'edge', 'string'],
    ['path', 'edge', 'string'],
  ];
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
    ...keys.map(
      ([id, on, type]) =>
        `  <key id="${id}" for="${on}" attr.name="${id === 'ekind' ? 'kind' : id}" attr.type="${type}"/>`,
    ),
    '  <graph id="access" edgedefault="directed">',
  ];
  const data = (rec: Record<string, unknown>, rename: Record<string, string> = {}) =>
    Object.entries(rec)
      .filter(
        ([k, v]) =>
          k !== 'id' && k !== 'from' && k !== 'to' && v !== null && v !== undefined && v !== '',
      )
      .map(([k, v]) => `<data key="${rename[k] ?? k}">${xml(String(v))}</data>`)
      .join('');
  for (const n of sub.nodes) out.push(`    <node id="${xml(n.id)}">${data(n)}</node>`);
  sub.edges.forEach((e, i) =>
    out.push(
      `    <edge id="e${i}" source="${xml(e.from)}" target="${xml(e.to)}">${data({ ...e }, { kind: 'ekind' })}</edge>`,
    ),
  );
  out.push('  </graph>', '</graphml>');
  return `${out.join('\n')}\n`;
}
