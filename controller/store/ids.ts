import { randomBytes } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/**
 * Time-ordered ids: 12 hex digits of milliseconds, 4 of a per-millisecond sequence,
 * 8 random. Sorting ids sorts by creation, which cursor pagination relies on.
 */
export function newId(now = Date.now()): string {
  if (now === lastMs) seq += 1;
  else {
    lastMs = now;
    seq = 0;
  }
  return (
    now.toString(16).padStart(12, '0') +
    (seq & 0xffff).toString(16).padStart(4, '0') +
    randomBytes(4).toString('hex')
  );
}

/** Every id made before `ms` sorts below this (and every id made at or after, above). */
export const idFloorAt = (ms: number): string => ms.toString(16).padStart(12, '0');
