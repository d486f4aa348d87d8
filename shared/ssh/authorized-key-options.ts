/**
 * The options field of an authorized_keys line (sshd(8), AUTHORIZED_KEYS FILE FORMAT),
 * parsed and rejected the way sshd's auth-options.c does, and written back with correct quoting.
 *
 * Exports:
 * - `AuthorizedKeyOption`: `{ name, value? }`, name in lowercase canonical form.
 * - `FLAG_OPTIONS`, `VALUE_OPTIONS`: every option sshd knows.
 * - `skipOptionsField(text, from, end?)`: index just after the options word (sshd's
 *   `sshkey_advance_past_options`), or `undefined` on an unterminated quote.
 * - `parseAuthorizedKeyOptions(field)`: `{ ok, options }` or `{ ok: false, reason }`.
 * - `formatAuthorizedKeyOptions(options)`: the options field text; throws `INVALID_INPUT`
 *   for an unknown name or a value sshd could not read back.
 */
import { invalidInput } from '../errors';
import { parseExpiryTime } from './expiry-time';

export interface AuthorizedKeyOption {
  /** Lowercase canonical name, e.g. `no-x11-forwarding`, `command`. */
  name: string;
  /** Dequoted value for `name="value"` options; absent for flags. */
  value?: string;
}

export const FLAG_OPTIONS = [
  'agent-forwarding',
  'cert-authority',
  'no-agent-forwarding',
  'no-port-forwarding',
  'no-pty',
  'no-user-rc',
  'no-x11-forwarding',
  'port-forwarding',
  'pty',
  'no-touch-required',
  'touch-required',
  'verify-required',
  'no-verify-required',
  'restrict',
  'user-rc',
  'x11-forwarding',
] as const;

export const VALUE_OPTIONS = [
  'command',
  'environment',
  'expiry-time',
  'from',
  'permitopen',
  'permitlisten',
  'principals',
  'tunnel',
] as const;

const FLAGS = new Set<string>(FLAG_OPTIONS);
const VALUES = new Set<string>(VALUE_OPTIONS);
/** The spelling sshd(8) documents, used when Keywarden writes an option. */
const DISPLAY: Record<string, string> = {
  'no-x11-forwarding': 'no-X11-forwarding',
  'x11-forwarding': 'X11-forwarding',
};
/** sshd refuses a second clause of these. */
const SINGLE = new Set(['command', 'principals']);

/** `end` bounds the field inside a larger string (the parser reads a whole file in place). */
export function skipOptionsField(
  text: string,
  from: number,
  end = text.length,
): number | undefined {
  let quoted = false;
  let i = from;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!quoted && (c === 32 || c === 9)) break;
    if (c === 92 && i + 1 < end && text.charCodeAt(i + 1) === 34) i++;
    else if (c === 34) quoted = !quoted;
  }
  return quoted ? undefined : i;
}

/**
 * auth-options.c: `host:port` (`[v6]:port`), split at the first colon; the port is `*` or
 * 1-65535. A permitlisten of a port alone means any host.
 */
function forwardingSpecProblem(name: string, value: string): string | undefined {
  const spec = name === 'permitlisten' && !value.includes(':') ? `*:${value}` : value;
  const m = /^(\[[^\]]*\]|[^:[]*):(.*)$/.exec(spec);
  if (!m) return `${name} must be host:port`;
  const port = m[2] ?? '';
  if (port === '*') return undefined;
  const n = /^\d{1,5}$/.test(port) ? Number(port) : 0;
  return n >= 1 && n <= 65535 ? undefined : `${name}: invalid port ${JSON.stringify(port)}`;
}

function validateValue(name: string, value: string): string | undefined {
  switch (name) {
    case 'environment':
      return /^[A-Za-z0-9_]+=/.test(value) ? undefined : 'environment must be NAME=value';
    case 'expiry-time':
      // A "Z" or "UTC" suffix (any case) means UTC; fields out of range are refused.
      return parseExpiryTime(value) !== undefined
        ? undefined
        : 'expiry-time must be YYYYMMDD[HHMM[SS]][Z|UTC]';
    case 'tunnel':
      return /^(\d+|any)$/.test(value) ? undefined : 'tunnel must be a device number';
    case 'permitopen':
    case 'permitlisten':
      return forwardingSpecProblem(name, value);
    default:
      return undefined;
  }
}

type OptionsResult = { ok: true; options: AuthorizedKeyOption[] } | { ok: false; reason: string };

/** Module-level rather than a closure per call (it showed in parse profiles). */
const fail = (reason: string): OptionsResult => ({ ok: false, reason });

export function parseAuthorizedKeyOptions(field: string): OptionsResult {
  const options: AuthorizedKeyOption[] = [];
  let i = 0;
  while (i < field.length) {
    const start = i;
    while (i < field.length && !'=, \t'.includes(field[i] ?? '')) i++;
    const name = field.slice(start, i).toLowerCase();
    if (field[i] === '=') {
      if (!VALUES.has(name))
        return fail(`unknown key option ${JSON.stringify(field.slice(start, i))}`);
      if (field[i + 1] !== '"') return fail(`option ${name}: missing start quote`);
      let value = '';
      i += 2;
      while (i < field.length && field[i] !== '"') {
        if (field[i] === '\\' && field[i + 1] === '"') i++;
        value += field[i];
        i++;
      }
      if (i >= field.length) return fail(`option ${name}: missing end quote`);
      i++;
      const bad = validateValue(name, value);
      if (bad) return fail(bad);
      if (SINGLE.has(name) && options.some((o) => o.name === name)) {
        return fail(`multiple "${name}" clauses`);
      }
      options.push({ name, value });
    } else if (name === '' && field[i] === ',') {
      // sshd matches no option here and steps over the comma: an empty option is no option.
    } else {
      if (!FLAGS.has(name))
        return fail(`unknown key option ${JSON.stringify(field.slice(start, i))}`);
      options.push({ name });
    }
    if (i >= field.length) break;
    if (field[i] !== ',')
      return fail(`unexpected ${JSON.stringify(field[i])} after option ${name}`);
    // A trailing comma is accepted: in a key line a blank follows it, which ends the options.
    i++;
  }
  return { ok: true, options };
}

export function formatAuthorizedKeyOptions(options: readonly AuthorizedKeyOption[]): string {
  const parts = options.map((o) => {
    const name = o.name.toLowerCase();
    if (o.value === undefined) {
      if (!FLAGS.has(name))
        throw invalidInput(`unknown authorized_keys flag option ${o.name}`, {
          details: { field: 'options', value: o.name, expected: [...FLAG_OPTIONS] },
        });
      return DISPLAY[name] ?? name;
    }
    if (!VALUES.has(name)) {
      throw invalidInput(`unknown authorized_keys option ${o.name}=`, {
        details: { field: 'options', value: o.name, expected: [...VALUE_OPTIONS] },
      });
    }
    // sshd only unescapes \" inside a value, so a trailing backslash or a line break cannot be
    // written in a way sshd would read back identically.
    if (/[\r\n\0]/.test(o.value) || o.value.endsWith('\\')) {
      throw invalidInput(`option ${name}: value cannot be written to authorized_keys`, {
        details: { field: name, value: o.value, expected: 'no line breaks, no trailing backslash' },
      });
    }
    const bad = validateValue(name, o.value);
    if (bad) throw invalidInput(bad, { details: { field: name, value: o.value } });
    return `${name}="${o.value.replace(/"/g, '\\"')}"`;
  });
  return parts.join(',');
}
