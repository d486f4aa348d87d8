/**
 * Reading the alert feed for a consumer that must neither lose nor repeat: the first run
 * starts at the END of the feed (a new deployment is not flooded with history), and a
 * range once decided is read again exactly (up to its stored end) after a crash.
 */
import type { AlertEvent } from '../store/records';
import type { Store } from '../store/store';

const PAGE = 1000;

type Alerts = Pick<Store['alerts'], 'events'>;

/** The cursor of the newest event now served, or null when the feed is empty. */
export async function feedEnd(alerts: Alerts, from: string | null): Promise<string | null> {
  let end = from;
  for (;;) {
    const page = await alerts.events(end ?? undefined, PAGE);
    const last = page[page.length - 1];
    if (!last) return end;
    end = last.cursor;
    if (page.length < PAGE) return end;
  }
}

/**
 * Whether cursor `a` comes after `b`. Cursors are opaque to callers, but a range's end may
 * have been purged since it was decided, so the reader must know where it lies: SQLite's
 * are sequence numbers, MongoDB's fixed-width time-ordered ids.
 */
export function cursorAfter(a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) > Number(b);
  return a > b;
}

/** The events after `from` up to and including `to` (a range decided before). */
export async function readRange(
  alerts: Alerts,
  from: string | null,
  to: string,
): Promise<AlertEvent[]> {
  const out: AlertEvent[] = [];
  let after = from;
  for (;;) {
    const page = await alerts.events(after ?? undefined, PAGE);
    for (const e of page) {
      // Past the end: the end event itself is gone (its alert was purged).
      if (cursorAfter(e.cursor, to)) return out;
      out.push(e);
      if (e.cursor === to) return out;
    }
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) return out;
    after = last.cursor;
  }
}
