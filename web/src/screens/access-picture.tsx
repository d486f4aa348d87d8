/**
 * Draws access paths with Cytoscape.js: keys, accounts (account@host) and the edges
 * "opens" (an authorized key) and "stored-in" (a private key file). Past MAX_NODES the
 * picture is summarised by host: each host is one node and the edges between hosts carry
 * how many paths they stand for, so a large answer stays readable and fast.
 */
import type { Core, ElementDefinition } from 'cytoscape';
import { useEffect, useRef } from 'preact/hooks';

export interface ReachPath {
  path: {
    kind: 'opens' | 'stored-in';
    fingerprint: string;
    hostId: string;
    account: string;
    path?: string;
  }[];
}

const MAX_NODES = 150;

/**
 * Cytoscape adds an inline <style> for its container unless an element with this id is
 * there; the CSP forbids inline styles, so the rule is in styles.css and this marker stands
 * in for the <style> element.
 */
function markCytoscapeStyled(): void {
  const id = '__________cytoscape_stylesheet';
  if (document.getElementById(id)) return;
  const marker = document.createElement('meta');
  marker.id = id;
  document.head.append(marker);
}

export function elementsOf(paths: ReachPath[]): {
  elements: ElementDefinition[];
  summarised: boolean;
} {
  const nodes = new Map<string, ElementDefinition>();
  const edges = new Map<string, ElementDefinition & { data: { count: number } }>();
  const addEdge = (from: string, to: string, kind: string) => {
    const id = `${from}>${to}`;
    const e = edges.get(id);
    if (e) e.data.count += 1;
    else edges.set(id, { data: { id, source: from, target: to, kind, count: 1, label: kind } });
  };
  for (const p of paths)
    for (const s of p.path) {
      const key = `key:${s.fingerprint}`;
      const acct = `acct:${s.account}@${s.hostId}`;
      nodes.set(key, { data: { id: key, label: s.fingerprint.slice(7, 17), kind: 'key' } });
      nodes.set(acct, { data: { id: acct, label: `${s.account}@${s.hostId}`, kind: 'account' } });
      if (s.kind === 'opens') addEdge(key, acct, 'opens');
      else addEdge(acct, key, 'stores');
    }
  if (nodes.size <= MAX_NODES)
    return { elements: [...nodes.values(), ...edges.values()], summarised: false };
  // Summarised: a host node per host; key → host for each key that opens an account there.
  const hostNodes = new Map<string, ElementDefinition>();
  edges.clear();
  for (const p of paths) {
    let prevHost: string | null = null;
    for (const s of p.path) {
      const h = `host:${s.hostId}`;
      hostNodes.set(h, { data: { id: h, label: s.hostId, kind: 'host' } });
      if (prevHost && prevHost !== h) addEdge(prevHost, h, 'reaches');
      prevHost = h;
    }
  }
  for (const e of edges.values()) e.data.label = `${e.data.count} paths`;
  return { elements: [...hostNodes.values(), ...edges.values()], summarised: true };
}

export function AccessPicture({ paths }: { paths: ReachPath[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const { elements, summarised } = elementsOf(paths);
  useEffect(() => {
    const container = ref.current;
    if (!container) return;
    markCytoscapeStyled();
    let cy: Core | null = null;
    let gone = false;
    // Loaded when a graph is drawn: the other pages (the dashboard first) do without it.
    void import('cytoscape').then(({ default: cytoscape }) => {
      if (gone) return;
      cy = cytoscape({
        container,
        elements,
        layout: { name: elements.length > 300 ? 'grid' : 'cose', animate: false },
        style: [
          {
            selector: 'node',
            style: {
              label: 'data(label)',
              'font-size': 9,
              'text-wrap': 'ellipsis',
              'text-max-width': '160px',
              'background-color': '#2f6fde',
            },
          },
          {
            selector: 'node[kind = "key"]',
            style: { shape: 'diamond', 'background-color': '#d98c1f' },
          },
          { selector: 'node[kind = "host"]', style: { shape: 'round-rectangle' } },
          {
            selector: 'edge',
            style: {
              width: 1.5,
              'curve-style': 'bezier',
              'target-arrow-shape': 'triangle',
              label: 'data(label)',
              'font-size': 8,
              'line-color': '#999',
              'target-arrow-color': '#999',
            },
          },
          { selector: 'edge[kind = "stores"]', style: { 'line-style': 'dashed' } },
        ],
      });
    });
    return () => {
      gone = true;
      cy?.destroy();
    };
  }, [paths]);
  return (
    <figure class="graph">
      <div
        ref={ref}
        class="graph-box"
        role="img"
        aria-label={`Access graph: ${elements.length} elements${summarised ? ', summarised by host' : ''}. The paths are listed in the table below.`}
      />
      <figcaption class="muted">
        {summarised
          ? 'Summarised by host: too many keys and accounts to draw one by one.'
          : 'Diamonds are keys, circles accounts; dashed: a private key stored in the account.'}
      </figcaption>
    </figure>
  );
}
