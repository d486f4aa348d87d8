/**
 * The page cursor of application members: (host, account) tuples, opaque to callers, so
 * both adapters order by the tuple (never by a joined string, whose order differs when one
 * host id is a prefix of another).
 */
import { invalidInput } from '../../shared/errors';

export const encodeMemberCursor = (hostId: string, account: string): string =>
  Buffer.from(JSON.stringify([hostId, account])).toString('base64url');

export function decodeMemberCursor(cursor: string): [hostId: string, account: string] {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'string'))
    throw invalidInput(`cursor: ${JSON.stringify(cursor)} is not a cursor this list returned`, {
      details: { field: 'cursor', value: cursor, expected: 'the nextCursor of the page before' },
    });
  return v as [string, string];
}
