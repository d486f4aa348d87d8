/**
 * Access paths as Cytoscape elements, at the finest level that stays readable: keys and
 * accounts (account@host) with the edges "opens" (an authorized key) and "stores" (an
 * account holding a private key); past MAX_NODES, one node per host with edges counting
 * the paths between hosts; past MAX_NODES hosts, one node per host group (when the groups
 * are known), so a fleet-wide answer is drawn as a few dozen nodes, never ten thousand.
 */
import type { ElementDefinition } from 'cytoscape';

export interface ReachStep {
  kind: 'opens' | 'stored-in';
  fingerprint: string;
  hostId: string;
  account: string;
  path?: string;
}

export interface ReachPath {
  path: ReachStep[];
}

export const MAX_NODES = 150;

export type Level = 'keys and accounts' | 'host' | 'host group';

type Edge = ElementDefinition & { data: { count: number; label: string } };

export function elementsOf(
  paths: ReachPath[],
  groupOf?: (hostId: string) => string | null,
): { elements: ElementDefinition[]; level: Level; hosts: number } {
  const nodes = new Map<string, ElementDefinition>();
  const edges = new Map<string, Edge>();
  const addEdge = (from: string, to: string, kind: string) => {
    const id = `${from}>${to}`;
    const e = edges.get(id);
    if (e) e.data.count += 1;
    else edges.set(id, { data: { id, source: from, target: to, kind, count: 1, label: kind } });
  };
  const hosts = new Set<string>();
  for (const p of paths)
    for (const s of p.path) {
      hosts.add(s.hostId);
      const key = `key:${s.fingerprint}`;
      const acct = `acct:${s.account}@${s.hostId}`;
      nodes.set(key, { data: { id: key, label: s.fingerprint.slice(7, 17), kind: 'key' } });
      nodes.set(acct, { data: { id: acct, label: `${s.account}@${s.hostId}`, kind: 'account' } });
      if (s.kind === 'opens') addEdge(key, acct, 'opens');
      else addEdge(acct, key, 'stores');
    }
  if (nodes.size <= MAX_NODES)
    return {
      elements: [...nodes.values(), ...edges.values()],
      level: 'keys and accounts',
      hosts: hosts.size,
    };

  const byGroup = hosts.size > MAX_NODES && groupOf !== undefined;
  const place = (hostId: string) =>
    byGroup ? `group:${groupOf(hostId) ?? '(no group)'}` : `host:${hostId}`;
  const summary = new Map<string, ElementDefinition>();
  edges.clear();
  for (const p of paths) {
    let prev: string | null = null;
    for (const s of p.path) {
      const here = place(s.hostId);
      summary.set(here, {
        data: {
          id: here,
          label: here.slice(here.indexOf(':') + 1),
          kind: byGroup ? 'group' : 'host',
        },
      });
      if (prev && prev !== here) addEdge(prev, here, 'reaches');
      prev = here;
    }
  }
  for (const e of edges.values()) e.data.label = `${e.data.count} paths`;
  return {
    elements: [...summary.values(), ...edges.values()],
    level: byGroup ? 'host group' : 'host',
    hosts: hosts.size,
  };
}
