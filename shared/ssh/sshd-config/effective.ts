/**
 * The effective sshd configuration for one connection, as `sshd -T -C ...` computes it:
 * sshd parses the file once with every Match block inactive (the global values), then again
 * with only the matching Match blocks active; a keyword set in a matching block replaces the
 * global value. Within each pass the first value obtained wins, except for the keywords in
 * `ACCUMULATING_KEYWORDS`, whose lines add up (HostKey, Port, ListenAddress, AcceptEnv, ...).
 * An Include inside a non-matching Match block never activates the blocks it contains, and
 * the Match state returns to the including file's after an included file ends.
 *
 * Exports:
 * - `ACCUMULATING_KEYWORDS` (and `GLOBAL_ONLY_KEYWORDS`, re-exported from keywords.ts).
 * - `SshdDirectiveValue`: `{ args, rest, file, line }` of the line a value came from.
 * - `EffectiveSshdConfig`: `first(keyword)`, `all(keyword)`, `args(keyword)`.
 * - `effectiveSshdConfig(loaded, conn?)`: global values only when `conn` is omitted.
 */
import type { LoadedSshdConfig } from './load';
export { GLOBAL_ONLY_KEYWORDS } from './keywords';
import { matchesConnection, type SshdConnection } from './match';

export const ACCUMULATING_KEYWORDS: ReadonlySet<string> = new Set([
  'acceptenv',
  'allowgroups',
  'allowusers',
  'denygroups',
  'denyusers',
  'hostcertificate',
  'hostkey',
  'listenaddress',
  'port',
  'subsystem',
]);

export interface SshdDirectiveValue {
  args: string[];
  rest: string;
  file: string;
  line: number;
}

export interface EffectiveSshdConfig {
  /** The winning line of a first-value-wins keyword, undefined when unset (use the default). */
  first(keyword: string): SshdDirectiveValue | undefined;
  /** Every contributing line: all of them for accumulating keywords, else at most one. */
  all(keyword: string): SshdDirectiveValue[];
  /** Arguments of the winning line(s), flattened. */
  args(keyword: string): string[] | undefined;
}

type Values = Map<string, SshdDirectiveValue[]>;

function collect(loaded: LoadedSshdConfig, conn: SshdConnection | null): Values {
  const values: Values = new Map();
  // Pass 1 (conn null): start active, Match blocks inactive. Pass 2: start inactive
  // ("match only"), Match blocks evaluated against the connection.
  let active = conn === null;
  let matchOnly = conn !== null;
  let neverMatch = false;
  const stack: { active: boolean; matchOnly: boolean; neverMatch: boolean }[] = [];
  for (const e of loaded.entries) {
    if (e.type === 'include-begin') {
      stack.push({ active, matchOnly, neverMatch });
      neverMatch = matchOnly ? false : !active;
    } else if (e.type === 'include-end') {
      const saved = stack.pop();
      if (saved) ({ active, matchOnly, neverMatch } = saved);
    } else if (e.type === 'match') {
      active = neverMatch ? false : matchesConnection(e.criteria, conn);
      matchOnly = false;
    } else if (active) {
      const list = values.get(e.keyword) ?? [];
      if (list.length === 0 || ACCUMULATING_KEYWORDS.has(e.keyword)) {
        list.push({ args: e.args, rest: e.rest, file: e.file, line: e.line });
        values.set(e.keyword, list);
      }
    }
  }
  return values;
}

export function effectiveSshdConfig(
  loaded: LoadedSshdConfig,
  conn?: SshdConnection,
): EffectiveSshdConfig {
  const global = collect(loaded, null);
  const matched = conn ? collect(loaded, conn) : new Map<string, SshdDirectiveValue[]>();
  const all = (keyword: string): SshdDirectiveValue[] => {
    const k = keyword.toLowerCase();
    return matched.get(k) ?? global.get(k) ?? [];
  };
  return {
    all,
    first: (keyword) => all(keyword)[0],
    args: (keyword) => {
      const lines = all(keyword);
      return lines.length === 0 ? undefined : lines.flatMap((l) => l.args);
    },
  };
}
