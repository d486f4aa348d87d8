/** Query values that TypeBox cannot check alone: moments and comma-separated lists. */
import { invalidInput } from '../../shared/errors';

/** ISO 8601 or ms since the epoch; names the field when it is neither. */
export function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw invalidInput(
      `${field}: expected an ISO 8601 date or ms since the epoch, got ${JSON.stringify(value)}`,
      { details: { field, value, expected: 'ISO 8601 or ms since the epoch' } },
    );
  return ms;
}

/** "a,b" or a repeated parameter, each value checked against `allowed` when given. */
export function parseList<T extends string>(
  value: string | string[] | undefined,
  field: string,
  allowed?: readonly T[],
): T[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const v of items) {
    if (allowed && !allowed.includes(v as T))
      throw invalidInput(`${field}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`, {
        details: { field, value: v, expected: allowed },
      });
  }
  return items as T[];
}
