/**
 * Loading sshd_config with its `Include` files into one flat list of entries, through
 * callbacks so the same code reads a local disk or a host over SSH.
 *
 * Exports:
 * - `SshdConfigSource`: `{ readFile(path), glob(pattern) }` callbacks.
 * - `SshdConfigEntry`: `directive` | `match` | `include-begin` | `include-end`.
 * - `LoadedSshdConfig`: `{ entries, files, errors }`.
 * - `loadSshdConfig(source, path?, opts?)`: reads `path` (default /etc/ssh/sshd_config) and
 *   every Include, in sshd's order (glob results sorted, relative paths under /etc/ssh).
 * - `parseSshdConfigText(text, file)`: one file's entries, Include lines left unresolved.
 */
import { GLOBAL_ONLY_KEYWORDS } from './keywords';
import { parseMatchCriteria, type MatchCriterion } from './match';
import { tokenizeSshdLine } from './tokenize';

export interface SshdConfigSource {
  /** The file's text, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Paths matching a glob pattern (any order; sorted here as glob(3) sorts). */
  glob(pattern: string): Promise<string[]>;
}

interface Where {
  file: string;
  line: number;
}

export type SshdConfigEntry =
  | (Where & { type: 'directive'; keyword: string; name: string; args: string[]; rest: string })
  | (Where & { type: 'match'; criteria: MatchCriterion[] | 'all' | 'invalid' })
  | (Where & { type: 'include-begin'; path: string })
  | (Where & { type: 'include-end'; path: string });

export interface SshdConfigError extends Where {
  message: string;
}

export interface LoadedSshdConfig {
  entries: SshdConfigEntry[];
  files: string[];
  errors: SshdConfigError[];
}

/** sshd's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

export function parseSshdConfigText(
  text: string,
  file: string,
): { entries: SshdConfigEntry[]; errors: SshdConfigError[] } {
  const entries: SshdConfigEntry[] = [];
  const errors: SshdConfigError[] = [];
  let inMatch = false;
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const tokens = tokenizeSshdLine(raw);
    if (tokens === undefined) return;
    if ('error' in tokens) {
      errors.push({ file, line, message: tokens.error });
      return;
    }
    if (tokens.keyword === 'match') {
      inMatch = true;
      const criteria = parseMatchCriteria(tokens.args);
      if ('error' in criteria) {
        errors.push({ file, line, message: criteria.error });
        entries.push({ type: 'match', criteria: 'invalid', file, line });
      } else {
        entries.push({ type: 'match', criteria: criteria.criteria, file, line });
      }
      return;
    }
    if (inMatch && GLOBAL_ONLY_KEYWORDS.has(tokens.keyword)) {
      errors.push({
        file,
        line,
        message: `Directive '${tokens.name}' is not allowed within a Match block`,
      });
      return;
    }
    entries.push({ type: 'directive', ...tokens, file, line });
  });
  return { entries, errors };
}

export async function loadSshdConfig(
  source: SshdConfigSource,
  path = '/etc/ssh/sshd_config',
  opts: { sshDir?: string } = {},
): Promise<LoadedSshdConfig> {
  const sshDir = opts.sshDir ?? '/etc/ssh';
  const out: LoadedSshdConfig = { entries: [], files: [], errors: [] };

  async function load(file: string, depth: number): Promise<void> {
    const text = await source.readFile(file);
    if (text === undefined) {
      if (depth === 0) out.errors.push({ file, line: 0, message: 'file not found' });
      return;
    }
    out.files.push(file);
    const parsed = parseSshdConfigText(text, file);
    out.errors.push(...parsed.errors);
    for (const entry of parsed.entries) {
      if (entry.type !== 'directive' || entry.keyword !== 'include') {
        out.entries.push(entry);
        continue;
      }
      if (depth + 1 > MAX_INCLUDE_DEPTH) {
        out.errors.push({ file, line: entry.line, message: 'Include nested too deeply' });
        continue;
      }
      for (const arg of entry.args) {
        const pattern = arg.startsWith('/') || arg.startsWith('~') ? arg : `${sshDir}/${arg}`;
        const matches = [...(await source.glob(pattern))].sort();
        for (const included of matches) {
          out.entries.push({ type: 'include-begin', path: included, file, line: entry.line });
          await load(included, depth + 1);
          out.entries.push({ type: 'include-end', path: included, file, line: entry.line });
        }
      }
    }
  }

  await load(path, 0);
  return out;
}
