/** The page cursor of the outbox list (newest first): the last message's (createdAt, id). */
import { invalidInput } from '../../shared/errors';
import type { OutboxMessage } from './notification-records';

export const encodeOutboxCursor = (m: Pick<OutboxMessage, 'createdAt' | 'id'>): string =>
  `${m.createdAt}:${m.id}`;

export function decodeOutboxCursor(cursor: string): [createdAt: number, id: string] {
  const m = /^(\d+):(.+)$/.exec(cursor);
  if (!m?.[1] || !m[2])
    throw invalidInput(`cursor: ${JSON.stringify(cursor)} is not a cursor this list returned`, {
      details: { field: 'cursor', value: cursor, expected: 'the nextCursor of the page before' },
    });
  return [Number(m[1]), m[2]];
}
