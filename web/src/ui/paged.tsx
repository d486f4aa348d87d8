/**
 * A paged list: the first page, then "Load more" following nextCursor. When the path
 * changes (a filter, a search typed), an answer still on its way for the old path is
 * dropped: answers can arrive out of order, and the list must be the last one asked for.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, type Page } from '../api';
import { ErrorBox, Loading } from './bits';

export function usePaged<T>(path: string | null) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const load = async (after: string | null, replace: boolean) => {
    if (!path) return;
    if (replace) generation.current++;
    const asked = generation.current;
    setLoading(true);
    try {
      const sep = path.includes('?') ? '&' : '?';
      const page = await get<Page<T>>(
        after ? `${path}${sep}cursor=${encodeURIComponent(after)}` : path,
      );
      if (asked !== generation.current) return;
      setItems((old) => (replace ? page.items : [...old, ...page.items]));
      setCursor(page.nextCursor);
      setError(null);
    } catch (err) {
      if (asked !== generation.current) return;
      setError(err as Error);
      if (replace) setItems([]);
    } finally {
      if (asked === generation.current) setLoading(false);
    }
  };
  useEffect(() => {
    void load(null, true);
  }, [path, tick]);
  return {
    items,
    error,
    loading,
    more: cursor ? () => void load(cursor, false) : null,
    reload: () => setTick((n) => n + 1),
  };
}

export function PagedFooter(props: {
  paged: { error: Error | null; loading: boolean; more: (() => void) | null };
  what: string;
  count: number;
  children?: ComponentChildren;
}) {
  const { paged } = props;
  return (
    <div class="pager">
      <ErrorBox error={paged.error} />
      {paged.loading && <Loading what={props.what} />}
      {!paged.loading && props.count === 0 && !paged.error && (
        <p class="muted">
          {paged.more ? `No ${props.what} in what was read so far.` : `No ${props.what}.`}
        </p>
      )}
      {paged.more && (
        <button type="button" onClick={paged.more} disabled={paged.loading}>
          Load more {props.what}
        </button>
      )}
    </div>
  );
}
