/**
 * Scan intervals as the API takes them: per scan type, ms; 0 switches the scan off, null
 * (overrides only) inherits from the group or the global default. Below a minute is refused:
 * a periodic scan that often would keep every host busy.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { invalidInput } from '../../shared/errors';
import type { ScanIntervalOverrides } from '../store/host-records';
import { Nullable } from './schemas';

export const MIN_SCAN_INTERVAL_MS = 60_000;

const Interval = Type.Integer({
  minimum: 0,
  description: `ms; 0 = off; otherwise at least ${MIN_SCAN_INTERVAL_MS}`,
});

/**
 * The schemas for the scan types the job registry declares (their `hostScan`), built once
 * when the routes are registered: a scan type added to the registry gets its field here.
 */
export function scanIntervalSchemas(scanTypes: readonly string[]) {
  const fields = <T extends TSchema>(value: T): Record<string, T> =>
    Object.fromEntries(scanTypes.map((t) => [t, value]));
  return {
    /** Global defaults: a value per scan type given changes it. */
    DefaultsPatch: Type.Object(fields(Type.Optional(Interval)), {
      additionalProperties: false,
      minProperties: 1,
    }),
    /** Overrides of a group or a host; null inherits. */
    OverridesPatch: Type.Object(fields(Type.Optional(Nullable(Interval))), {
      additionalProperties: false,
      minProperties: 1,
    }),
    Overrides: Type.Object(fields(Nullable(Type.Integer())), {
      description: 'ms per scan type; null = inherit, 0 = off',
    }),
    Intervals: Type.Object(fields(Type.Integer()), { description: 'ms per scan type; 0 = off' }),
  };
}

/** A patch as the store takes it: the scan types given, absent ones left out. */
export function givenOverrides(
  patch: Record<string, number | null | undefined>,
): ScanIntervalOverrides {
  return Object.fromEntries(
    Object.entries(patch).filter((e): e is [string, number | null] => e[1] !== undefined),
  );
}

/** Every scan type present (null where nothing is stored), as the response schema has them. */
export function allOverrides(
  scanTypes: readonly string[],
  stored: ScanIntervalOverrides,
): ScanIntervalOverrides {
  return Object.fromEntries(scanTypes.map((t) => [t, stored[t] ?? null]));
}

/** Refuses 1..59999 ms, naming the field (`scanIntervalsMs.scan-full`, ...). */
export function checkIntervals(
  values: Record<string, number | null | undefined>,
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
