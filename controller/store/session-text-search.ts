/**
 * What a session search means, in one place for both adapters: the query is checked and
 * bounded here, each store's index (SQLite FTS5, the MongoDB terms index) only narrows the
 * candidates, and this file's exact test decides, so both stores give the same answers.
 *
 * Text is compared normalized: Unicode compatibility forms, accents dropped, lower case,
 * runs of white space as one space. A token is a run of letters and digits (as FTS5's
 * unicode61 tokenizer splits). A phrase or command matches where its normalized text
 * occurs starting and ending on a token boundary ("rm -rf" is found in "sudo rm -rf /tmp",
 * "rm" is not found in "rmdir").
 */
import { invalidInput } from '../../shared/errors';
import type { SessionSearch, SessionSearchMatch } from './session-text-records';

export const SEARCH_LIMITS = {
  /** Characters of one query field. */
  maxQueryChars: 200,
  /** Tokens of one query field. */
  maxQueryTokens: 16,
  /** Characters of a token the index keeps (longer ones cannot be searched for). */
  maxTokenChars: 64,
  maxPageSize: 100,
  defaultPageSize: 20,
  /** Characters of a command's text indexed (its output and screens). */
  maxIndexedTextChars: 256 * 1024,
  /** Matches returned per session. */
  matchesPerSession: 3,
  snippetChars: 160,
} as const;

const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;

// eslint-disable-next-line no-control-regex -- the ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;

export function normalizeText(text: string): string {
  // ASCII has nothing to decompose: most terminal text takes the short way.
  const folded = ASCII.test(text) ? text : text.normalize('NFKD').replace(/\p{M}/gu, '');
  return folded.toLowerCase().replace(/\s+/g, ' ');
}

export function tokens(text: string): string[] {
  return normalizeText(text).match(TOKEN) ?? [];
}

/** The distinct tokens a text is found by (the MongoDB terms index). */
export function indexTerms(text: string): string[] {
  return [...new Set(tokens(text).filter((t) => t.length <= SEARCH_LIMITS.maxTokenChars))];
}

export interface ParsedSearch {
  words: string[] | null;
  phrase: { text: string; tokens: string[] } | null;
  command: { text: string; tokens: string[] } | null;
  from: number | null;
  to: number | null;
  hostId: string | null;
  person: string | null;
  limit: number;
  after: SearchCursor | null;
}

export interface SearchCursor {
  sessionStartedAt: number;
  sessionId: string;
}

const fail = (field: string, value: unknown, expected: string) =>
  invalidInput(`${field}: ${JSON.stringify(value)} is not valid; expected ${expected}`, {
    details: { field, value, expected },
  });

function queryField(q: SessionSearch, field: 'words' | 'phrase' | 'command') {
  const v = q[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw fail(field, v, 'a string');
  if (v.length > SEARCH_LIMITS.maxQueryChars)
    throw fail(field, `${v.slice(0, 40)}…`, `at most ${SEARCH_LIMITS.maxQueryChars} characters`);
  const toks = tokens(v);
  if (toks.length === 0) throw fail(field, v, 'at least one letter or digit');
  if (toks.length > SEARCH_LIMITS.maxQueryTokens)
    throw fail(field, v, `at most ${SEARCH_LIMITS.maxQueryTokens} words`);
  const long = toks.find((t) => t.length > SEARCH_LIMITS.maxTokenChars);
  if (long) throw fail(field, v, `words of at most ${SEARCH_LIMITS.maxTokenChars} characters`);
  return { text: normalizeText(v).trim(), tokens: toks };
}

function optionalTime(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw fail(field, v, 'epoch milliseconds');
  return v;
}

function optionalId(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length === 0 || v.length > 200)
    throw fail(field, v, 'a non-empty string of at most 200 characters');
  return v;
}

/** Checks and bounds a search; INVALID_INPUT names the field, the value and what was expected. */
export function parseSessionSearch(q: SessionSearch): ParsedSearch {
  const words = queryField(q, 'words');
  const phrase = queryField(q, 'phrase');
  const command = queryField(q, 'command');
  if (!words && !phrase && !command)
    throw fail('words', q.words, 'one of words, phrase or command to search for');
  const limit = q.limit ?? SEARCH_LIMITS.defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMITS.maxPageSize)
    throw fail('limit', limit, `a whole number from 1 to ${SEARCH_LIMITS.maxPageSize}`);
  const from = optionalTime(q.from, 'from');
  const to = optionalTime(q.to, 'to');
  if (from !== null && to !== null && to <= from)
    throw fail('to', to, `a time after from (${from})`);
  return {
    words: words ? [...new Set(words.tokens)] : null,
    phrase,
    command,
    from,
    to,
    hostId: optionalId(q.hostId, 'hostId'),
    person: optionalId(q.person, 'person'),
    limit,
    after: q.cursor === undefined || q.cursor === null ? null : decodeSearchCursor(q.cursor),
  };
}

/** The tokens every candidate must have anywhere, and those its command line must have. */
export function candidateTokens(p: ParsedSearch): { any: string[]; command: string[] } {
  const any = new Set([...(p.words ?? []), ...(p.phrase?.tokens ?? [])]);
  return { any: [...any], command: [...new Set(p.command?.tokens ?? [])] };
}

export const encodeSearchCursor = (c: SearchCursor): string =>
  Buffer.from(JSON.stringify([c.sessionStartedAt, c.sessionId])).toString('base64url');

function decodeSearchCursor(cursor: unknown): SearchCursor {
  let v: unknown = null;
  if (typeof cursor === 'string' && cursor.length <= 1000) {
    try {
      v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      v = null;
    }
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'string')
    throw fail('cursor', cursor, 'the nextCursor of the page before');
  return { sessionStartedAt: v[0], sessionId: v[1] };
}

/** Index of `needle` in `hay` (both normalized) on token boundaries, or -1. */
function boundedIndexOf(hay: string, needle: string): number {
  const startsOnToken = TOKEN_CHAR.test(needle[0] ?? '');
  const endsOnToken = TOKEN_CHAR.test(needle[needle.length - 1] ?? '');
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    const before = hay[i - 1];
    const after = hay[i + needle.length];
    const okStart = !startsOnToken || before === undefined || !TOKEN_CHAR.test(before);
    const okEnd = !endsOnToken || after === undefined || !TOKEN_CHAR.test(after);
    if (okStart && okEnd) return i;
  }
  return -1;
}

export interface CandidateEntry {
  seq: number;
  command: string;
  text: string;
  startedAt: number;
}

/** The exact test: null when the entry does not match; else where, with a snippet. */
export function matchEntry(p: ParsedSearch, e: CandidateEntry): SessionSearchMatch | null {
  if (p.from !== null && e.startedAt < p.from) return null;
  if (p.to !== null && e.startedAt >= p.to) return null;
  const cmd = normalizeText(e.command);
  const text = normalizeText(e.text);
  if (p.command && boundedIndexOf(cmd, p.command.text) < 0) return null;
  let hit: { in: 'command' | 'text'; at: number; len: number } | null = null;
  if (p.phrase) {
    const inCmd = boundedIndexOf(cmd, p.phrase.text);
    const inText = inCmd >= 0 ? -1 : boundedIndexOf(text, p.phrase.text);
    if (inCmd < 0 && inText < 0) return null;
    hit =
      inCmd >= 0
        ? { in: 'command', at: inCmd, len: p.phrase.text.length }
        : { in: 'text', at: inText, len: p.phrase.text.length };
  }
  if (p.words) {
    // A word found on token boundaries is one of the text's tokens.
    if (!p.words.every((w) => boundedIndexOf(cmd, w) >= 0 || boundedIndexOf(text, w) >= 0))
      return null;
    if (!hit) {
      const w = p.words[0]!;
      const inCmd = boundedIndexOf(cmd, w);
      hit =
        inCmd >= 0
          ? { in: 'command', at: inCmd, len: w.length }
          : { in: 'text', at: Math.max(0, boundedIndexOf(text, w)), len: w.length };
    }
  }
  hit ??= { in: 'command', at: 0, len: 0 };
  const source = hit.in === 'command' ? cmd : text;
  return {
    seq: e.seq,
    command: e.command,
    in: hit.in,
    snippet: snippetAround(rawFor(hit.in, e), source, hit.at, hit.len),
    startedAt: e.startedAt,
  };
}

const rawFor = (where: 'command' | 'text', e: CandidateEntry) =>
  (where === 'command' ? e.command : e.text).replace(/\s+/g, ' ');

/**
 * A piece of the original text around the match. Normalizing can change lengths (rare:
 * ligatures, some accents), so the window is taken from the original when it lines up,
 * else from the normalized text.
 */
function snippetAround(raw: string, normalized: string, at: number, len: number): string {
  const base = raw.length === normalized.length ? raw : normalized;
  const room = Math.max(0, SEARCH_LIMITS.snippetChars - len);
  const start = Math.max(0, at - Math.floor(room / 2));
  const end = Math.min(base.length, start + SEARCH_LIMITS.snippetChars);
  return `${start > 0 ? '…' : ''}${base.slice(start, end).trim()}${end < base.length ? '…' : ''}`;
}

/** The text of a logged command that search reads: its output, then each screen. */
export function indexedText(output: string, screens: readonly string[]): string {
  return indexedTextBound([output, ...screens].filter((s) => s !== '').join('\n'));
}

/** A command's text as far as it is indexed. */
export function indexedTextBound(text: string): string {
  return text.length > SEARCH_LIMITS.maxIndexedTextChars
    ? text.slice(0, SEARCH_LIMITS.maxIndexedTextChars)
    : text;
}
