/**
 * Draws access paths with Cytoscape.js, at the level access-elements.ts picks: keys and
 * accounts, or summarised by host or host group when there are too many to draw.
 */
import type { Core } from 'cytoscape';
import { elementsOf, type ReachPath } from './access-elements';
import { useEffect, useRef } from 'preact/hooks';

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

export function AccessPicture(props: {
  paths: ReachPath[];
  groupOf?: (hostId: string) => string | null;
}) {
  const { paths } = props;
  const ref = useRef<HTMLDivElement>(null);
  const { elements, level } = elementsOf(paths, props.groupOf);
  const summarised = level !== 'keys and accounts';
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
            selector: 'node[kind = "group"]',
            style: { shape: 'round-rectangle', 'background-color': '#2e9e5b' },
          },
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
  }, [paths, props.groupOf]);
  return (
    <figure class="graph">
      <div
        ref={ref}
        class="graph-box"
        role="img"
        aria-label={`Access graph: ${elements.length} elements${summarised ? `, summarised by ${level}` : ''}. The paths are listed in the table below.`}
      />
      <figcaption class="muted">
        {summarised
          ? `Summarised by ${level}: too many keys and accounts to draw one by one; edges count paths.`
          : 'Diamonds are keys, circles accounts; dashed: a private key stored in the account.'}
      </figcaption>
    </figure>
  );
}
