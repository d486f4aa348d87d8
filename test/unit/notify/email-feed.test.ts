import { describe, expect, it } from 'vitest';
import { cursorAfter, readRange } from '../../../controller/notify/email-feed';
import type { AlertEvent } from '../../../controller/store/records';

const event = (cursor: string) => ({ cursor }) as AlertEvent;

/** The feed as the store serves it: events after a cursor, oldest first. */
const feed = (cursors: string[]) => ({
  events: async (after: string | undefined, limit: number) =>
    cursors
      .filter((c) => after === undefined || cursorAfter(c, after))
      .slice(0, limit)
      .map(event),
});

describe('reading a decided range of the alert feed', () => {
  it('orders SQLite sequence numbers as numbers and MongoDB ids as text', () => {
    expect(cursorAfter('10', '9')).toBe(true);
    expect(cursorAfter('9', '10')).toBe(false);
    expect(cursorAfter('01a22bfd008200014fa67d7a', '01a22bfd008200004fa67d7a')).toBe(true);
  });

  it('stops at the end of the range, even when the end event was purged since', async () => {
    expect((await readRange(feed(['8', '9', '10', '11']), '8', '10')).map((e) => e.cursor)).toEqual(
      ['9', '10'],
    );
    // event 10 (the range's end) is gone: 11 is after the range and is not taken
    expect((await readRange(feed(['8', '9', '11', '12']), '8', '10')).map((e) => e.cursor)).toEqual(
      ['9'],
    );
  });
});
