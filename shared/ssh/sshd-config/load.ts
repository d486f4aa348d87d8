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
 *
 * The files come from the host, so the work is bounded whatever they say: an Include of a
 * file already being read (a cycle) is not followed, and a load reads at most `maxFiles`
 * files and `maxLines` lines, each file once. Each of these, and a file the source refuses
 * with FILE_TOO_LARGE or LIMIT_EXCEEDED, is an error entry with that `code`, and the load goes
 * on with what it has.
 */
import { errorCode } from '../../errors';
import { GLOBAL_ONLY_KEYWORDS } from './keywords';
import { parseMatchCriteria, type MatchCriterion } from './match';
import { tokenizeSshdLine } from './tokenize';

export interface SshdConfigSource {
  /**
   * The file's text, or undefined when it does not exist. May throw FILE_TOO_LARGE or
   * LIMIT_EXCEEDED (by `code`) to refuse one file: that becomes an error entry, not a failure.
   */
  readFile(path: string): Promise<string | undefined>;
  /** Paths matching a glob pattern (any order; sorted here as glob(3) sorts). May throw as above. */
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
  /** Set for what the load refused to read: FILE_TOO_LARGE, INCLUDE_CYCLE, LIMIT_EXCEEDED. */
  code?: string;
}

export interface LoadedSshdConfig {
  entries: SshdConfigEntry[];
  files: string[];
  errors: SshdConfigError[];
}

/** sshd's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;
/** Defaults of the load's caps (callers reading a host pass their own). */
export const MAX_CONFIG_FILES = 256;
export const MAX_CONFIG_LINES = 100_000;
/** Errors kept per load: past this only a count is added (a file of garbage is one problem). */
const MAX_ERRORS = 1000;

const REFUSALS = new Set(['FILE_TOO_LARGE', 'LIMIT_EXCEEDED']);

/** The first `n` lines of a text, how many lines that is, and whether there were more. */
function firstLines(text: string, n: number): { text: string; count: number; cut: boolean } {
  if (text === '') return { text, count: 0, cut: false };
  let at = -1;
  for (let count = 0; count < n; count++) {
    const next = text.indexOf('\n', at + 1);
    if (next === -1 || next === text.length - 1) return { text, count: count + 1, cut: false };
    at = next;
  }
  return { text: text.slice(0, Math.max(at, 0)), count: n, cut: true };
}

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

export interface LoadSshdConfigOptions {
  sshDir?: string;
  /** Files read in one load, a file Included twice counting twice (default 256). */
  maxFiles?: number;
  /** Lines parsed across all files (default 100 000). */
  maxLines?: number;
}

export async function loadSshdConfig(
  source: SshdConfigSource,
  path = '/etc/ssh/sshd_config',
  opts: LoadSshdConfigOptions = {},
): Promise<LoadedSshdConfig> {
  const sshDir = opts.sshDir ?? '/etc/ssh';
  const maxFiles = opts.maxFiles ?? MAX_CONFIG_FILES;
  let linesLeft = opts.maxLines ?? MAX_CONFIG_LINES;
  const out: LoadedSshdConfig = { entries: [], files: [], errors: [] };
  let dropped = 0;
  const report = (e: SshdConfigError) => {
    if (out.errors.length < MAX_ERRORS) out.errors.push(e);
    else dropped++;
  };
  // One read per file per load: an Include tree that names a file many times costs one read.
  const texts = new Map<string, Promise<string | undefined>>();
  const read = (file: string) => {
    let text = texts.get(file);
    if (!text) texts.set(file, (text = source.readFile(file)));
    return text;
  };
  let loads = 0;
  let filesCapped = false;
  let linesCapped = false;
  /** Files being read now, outermost first: an Include of one of them is a cycle. */
  const reading: string[] = [];

  async function load(file: string, depth: number, from?: Where): Promise<void> {
    const at = from ?? { file, line: 0 };
    if (loads >= maxFiles) {
      if (!filesCapped) {
        filesCapped = true;
        report({
          ...at,
          code: 'LIMIT_EXCEEDED',
          message: `more than ${maxFiles} config files to read; ${file} and every later Include not read`,
        });
      }
      return;
    }
    loads++;
    let text: string | undefined;
    try {
      text = await read(file);
    } catch (err) {
      const code = errorCode(err);
      if (code === undefined || !REFUSALS.has(code)) throw err;
      // About the refused file itself; the message says what it is (its size, its type).
      report({ file, line: 0, code, message: (err as Error).message });
      return;
    }
    if (text === undefined) {
      if (depth === 0) report({ file, line: 0, message: 'file not found' });
      return;
    }
    out.files.push(file);
    const lines = firstLines(text, linesLeft);
    linesLeft -= lines.count;
    if (lines.cut && !linesCapped) {
      linesCapped = true;
      report({
        file,
        line: 0,
        code: 'LIMIT_EXCEEDED',
        message: `more than ${opts.maxLines ?? MAX_CONFIG_LINES} config lines in all; the rest of ${file} not read`,
      });
    }
    const parsed = parseSshdConfigText(lines.text, file);
    for (const e of parsed.errors) report(e);
    reading.push(file);
    for (const entry of parsed.entries) {
      if (entry.type !== 'directive' || entry.keyword !== 'include') {
        out.entries.push(entry);
        continue;
      }
      if (depth + 1 > MAX_INCLUDE_DEPTH) {
        report({ file, line: entry.line, message: 'Include nested too deeply' });
        continue;
      }
      for (const arg of entry.args) {
        const pattern = arg.startsWith('/') || arg.startsWith('~') ? arg : `${sshDir}/${arg}`;
        let matches: string[];
        try {
          matches = [...(await source.glob(pattern))].sort();
        } catch (err) {
          const code = errorCode(err);
          if (code === undefined || !REFUSALS.has(code)) throw err;
          report({ file, line: entry.line, code, message: (err as Error).message });
          continue;
        }
        for (const included of matches) {
          if (reading.includes(included)) {
            // sshd would recurse until its depth limit and refuse to start.
            report({
              file,
              line: entry.line,
              code: 'INCLUDE_CYCLE',
              message: `Include of ${included} is a cycle (${[...reading, included].join(' -> ')}); not followed`,
            });
            continue;
          }
          out.entries.push({ type: 'include-begin', path: included, file, line: entry.line });
          await load(included, depth + 1, { file, line: entry.line });
          out.entries.push({ type: 'include-end', path: included, file, line: entry.line });
        }
      }
    }
    reading.pop();
  }

  await load(path, 0);
  if (dropped > 0) {
    out.errors.push({ file: path, line: 0, message: `${dropped} more errors not listed` });
  }
  return out;
}
