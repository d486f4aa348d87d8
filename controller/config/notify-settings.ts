/** Parsers of the notification settings that are not a plain number or duration. */
import { settingFailure as fail } from '../../shared/config/settings-parser';
import type { Parse } from './config-schema';

/**
 * "30d,7d,1d": lead times before an expiry, longest first, each distinct and above zero.
 * Given the schema's duration parser, so this file needs nothing else from the schema.
 */
export const leadTimesParser =
  (duration: Parse<number>): Parse<readonly number[]> =>
  (raw, name) => {
    const parts = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const expected = 'comma-separated durations above zero, such as 30d,7d,1d';
    if (parts.length === 0) return fail(name, raw, expected);
    const ms = parts.map((p) => duration(p, name));
    if (ms.some((m) => m <= 0) || new Set(ms).size !== ms.length) return fail(name, raw, expected);
    return Object.freeze([...ms].sort((a, b) => b - a));
  };
