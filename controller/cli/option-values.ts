/** Turning option strings into values, shared by every command (kept apart from the parser). */

export class UsageError extends Error {}

export function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value))
    throw new UsageError(`--${name}: expected a whole number, got ${value}`);
  return Number(value);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30s", "5m", "2h", "1d" or ms. */
export function durationOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!m)
    throw new UsageError(`--${name}: expected a duration such as 30s, 5m, 2h or 1d, got ${value}`);
  return Number(m[1]) * (UNITS[m[2] ?? 'ms'] ?? 1);
}
