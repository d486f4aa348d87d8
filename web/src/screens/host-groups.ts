import { useEffect, useState } from 'preact/hooks';
import { get, type Page } from '../api';

/**
 * Every host's group, read page by page (500 a page) when `needed` turns true: what the
 * access graph needs to summarise a fleet-wide answer by group. Null until loaded.
 */
export function useHostGroups(needed: boolean): ((hostId: string) => string | null) | null {
  const [groupOf, setGroupOf] = useState<((hostId: string) => string | null) | null>(null);
  useEffect(() => {
    if (!needed || groupOf) return;
    let live = true;
    const load = async () => {
      const groups = new Map<string, string | null>();
      let cursor: string | null = null;
      do {
        const page: Page<{ id: string; groupId: string | null }> = await get(
          `/api/v1/hosts?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        for (const h of page.items) groups.set(h.id, h.groupId);
        cursor = page.nextCursor;
      } while (cursor && live);
      if (live) setGroupOf(() => (id: string) => groups.get(id) ?? null);
    };
    // Without the groups (a failed read), the picture stays summarised by host.
    void load().catch(() => undefined);
    return () => {
      live = false;
    };
  }, [needed]);
  return groupOf;
}
