/**
 * Scan intervals as the API takes them: per scan type, ms; 0 switches the scan off, null
 * (overrides only) inherits from the group or the global default. Below a minute is refused:
 * a periodic scan that often would keep every host busy.
 */
import { Type } from '@sinclair/typebox';
import { invalidInput } from '../../shared/errors';
import { SCAN_TYPES, type ScanType } from '../store/host-records';
import { Nullable } from './schemas';

export const MIN_SCAN_INTERVAL_MS = 60_000;

const Interval = Type.Integer({
  minimum: 0,
  description: `ms; 0 = off; otherwise at least ${MIN_SCAN_INTERVAL_MS}`,
});
const scanTypeFields = <T extends ReturnType<typeof Type.Optional>>(value: T) =>
  Object.fromEntries(SCAN_TYPES.map((t) => [t, value])) as Record<ScanType, T>;

/** Global defaults: a value per scan type given changes it. */
export const DefaultsPatch = Type.Object(scanTypeFields(Type.Optional(Interval)), {
  additionalProperties: false,
  minProperties: 1,
});
/** Overrides of a group or a host; null inherits. */
export const OverridesPatch = Type.Object(scanTypeFields(Type.Optional(Nullable(Interval))), {
  additionalProperties: false,
  minProperties: 1,
});
export const Overrides = Type.Object(
  Object.fromEntries(SCAN_TYPES.map((t) => [t, Nullable(Type.Integer())])) as Record<
    ScanType,
    ReturnType<typeof Nullable<ReturnType<typeof Type.Integer>>>
  >,
  { description: 'ms per scan type; null = inherit, 0 = off' },
);
export const Intervals = Type.Object(
  Object.fromEntries(SCAN_TYPES.map((t) => [t, Type.Integer()])) as Record<
    ScanType,
    ReturnType<typeof Type.Integer>
  >,
  { description: 'ms per scan type; 0 = off' },
);

/** Refuses 1..59999 ms, naming the field (`scanIntervalsMs.scan-full`, ...). */
export function checkIntervals(
  values: Partial<Record<ScanType, number | null>>,
  prefix: string,
): void {
  for (const [type, v] of Object.entries(values)) {
    if (v === null || v === undefined || v === 0 || v >= MIN_SCAN_INTERVAL_MS) continue;
    const field = `${prefix}${type}`;
    throw invalidInput(
      `${field}: ${v} ms is too short; give 0 (off) or at least ${MIN_SCAN_INTERVAL_MS} ms`,
      { details: { field, value: v, expected: `0 or >= ${MIN_SCAN_INTERVAL_MS}` } },
    );
  }
}
