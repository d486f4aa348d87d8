/** Small pieces every page uses: errors, loading, times, states, headings. */
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

export function ErrorBox({ error }: { error: Error | null | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}

export const Loading = ({ what }: { what: string }) => (
  <p class="muted" role="status" aria-live="polite">
    Loading {what}…
  </p>
);

export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export const Time = ({ ms }: { ms: number | null | undefined }) =>
  ms === null || ms === undefined ? (
    <span class="muted">—</span>
  ) : (
    <time dateTime={new Date(ms).toISOString()}>{when(ms)}</time>
  );

export const State = ({ state }: { state: string }) => (
  <span class={`state state-${state}`}>{state}</span>
);

/** The page's heading, and the tab title so a screen reader and history name the page. */
export function PageTitle({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Keywarden`;
  }, [title]);
  return (
    <header class="page-head">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children}
    </header>
  );
}

export const enc = encodeURIComponent;

export function duration(ms: number | null | undefined): string {
  if (!ms) return '—';
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [n, u] of units) if (ms % n === 0) return `${ms / n} ${u}`;
  return `${ms} ms`;
}
