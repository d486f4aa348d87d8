import { randomBytes } from 'node:crypto';

let lastMs = 0;
let seq = 0;
let pastSeq = 0;

/**
 * Time-ordered ids: 12 hex digits of milliseconds, 4 of a per-millisecond sequence,
 * 8 random. Sorting ids sorts by creation, which cursor pagination relies on.
 */
export function newId(now = Date.now()): string {
  // An id for a time before the latest one (a record dated in the past) must not reset the
  // sequence: ids for the latest millisecond made after it would then sort before earlier ones.
  // Past-dated ids take their own ever-growing sequence, so two made for the same past
  // millisecond (two jobs enqueued "at T0") still sort in the order they were made.
  let n = 0;
  if (now === lastMs) n = ++seq;
  else if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else n = ++pastSeq;
  return (
    now.toString(16).padStart(12, '0') +
    (n & 0xffff).toString(16).padStart(4, '0') +
    randomBytes(4).toString('hex')
  );
}

/** Every id made before `ms` sorts below this (and every id made at or after, above). */
export const idFloorAt = (ms: number): string => ms.toString(16).padStart(12, '0');
