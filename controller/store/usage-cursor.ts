/**
 * The page cursor of key usage: rows are keyed by (host, account, fingerprint, source), so
 * the cursor is that tuple, opaque to callers. Both adapters order by the tuple (not by a
 * joined string, whose order differs when one host id is a prefix of another).
 */
import { invalidInput } from '../../shared/errors';
import type { KeyUsageRecord } from './inventory-records';

export type UsageCursor = [hostId: string, account: string, fingerprint: string, from: string];

export const encodeUsageCursor = (u: KeyUsageRecord): string =>
  Buffer.from(JSON.stringify([u.hostId, u.account, u.fingerprint, u.from])).toString('base64url');

export function decodeUsageCursor(cursor: string): UsageCursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'string'))
    throw invalidInput(`cursor: ${JSON.stringify(cursor)} is not a cursor this list returned`, {
      details: { field: 'cursor', value: cursor, expected: 'the nextCursor of the page before' },
    });
  return v as UsageCursor;
}
