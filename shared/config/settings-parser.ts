/**
 * Settings parsing for both programs: the failure message and the basic parsers are the
 * controller's config schema's too, and `loadSettings` is the agent's loader. One schema of settings, each with its environment variable, a default written as an
 * operator would write it, and a parser. Defaults, then the environment, then explicit
 * overrides (command-line options) are parsed once, and the result is frozen. A wrong
 * value stops the program with an INVALID_CONFIG error naming the variable, the value and
 * what was expected, instead of becoming NaN somewhere later.
 */
import { invalidConfig } from '../errors';

export type SettingParse<T> = (raw: string, name: string) => T;

export interface SettingDefinition<T> {
  env: string;
  parse: SettingParse<T>;
  /** A default as the raw string an operator would write, or undefined when optional. */
  default?: string;
  describe: string;
}

export type SettingsSchema = Record<string, SettingDefinition<unknown>>;

type Parsed<S extends SettingsSchema, K extends keyof S> = ReturnType<S[K]['parse']>;

/** Settings with a default are always present; the others may be undefined. */
export type LoadedSettings<S extends SettingsSchema> = Readonly<{
  [K in keyof S]: S[K] extends { default: string } ? Parsed<S, K> : Parsed<S, K> | undefined;
}>;

export const settingFailure = (name: string, raw: string, expected: string): never => {
  throw invalidConfig(`setting ${name}=${JSON.stringify(raw)} is invalid: expected ${expected}`, {
    details: { setting: name, value: raw, expected },
  });
};

export const parseNonEmptyString: SettingParse<string> = (raw, name) =>
  raw.trim() === '' ? settingFailure(name, raw, 'a non-empty string') : raw.trim();

/** A whole number within [min, max]: no NaN, no fractions, no exponents or hex. */
export const parseIntegerInRange =
  (min: number, max: number, unit = ''): SettingParse<number> =>
  (raw, name) => {
    const v = raw.trim();
    const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max
      ? n
      : settingFailure(name, raw, `a whole number${unit} from ${min} to ${max}`);
  };

/**
 * Reads every setting of the schema: default, then `env` (an empty variable counts as
 * unset), then `overrides` (labelled with their own name, e.g. a command-line option).
 */
export function loadSettings<S extends SettingsSchema>(
  schema: S,
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<keyof S, { value: string | undefined; label: string }>> = {},
): LoadedSettings<S> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    let raw: string | undefined = spec.default;
    let label = spec.env;
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') raw = fromEnv;
    const o = overrides[key as keyof S];
    if (o?.value !== undefined) {
      raw = o.value;
      label = o.label;
    }
    out[key] = raw === undefined ? undefined : spec.parse(raw, label);
  }
  return Object.freeze(out) as LoadedSettings<S>;
}
