// Frozen copy of shared/ssh/authorized-keys.ts as of d441a07 (before the issue 19 parser rewrite): the
// reference the differential test compares the current parser with. Do not edit.

/**
 * authorized_keys files, parsed losslessly: `serializeAuthorizedKeys(parseAuthorizedKeys(t)) === t`
 * for every string `t`. Lines are classified the way sshd reads them (auth2-pubkeyfile.c).
 * Edit helpers live in `authorized-keys-edit.ts`.
 *
 * Exports:
 * - `AuthorizedKeysLine`: one line (`blank` | `comment` | `key` | `invalid`) with its raw text,
 *   its line ending and its 1-based line number; key lines carry options, key and comment.
 * - `parseAuthorizedKeys(text)`: `{ lines }`. Never throws.
 * - `serializeAuthorizedKeys(file)`: the text back, byte for byte for untouched lines.
 * - `parseAuthorizedKeyLine(raw, lineNumber, eol?)`: one line.
 * - `KEYWARDEN_MARKER`, `isKeywardenManagedComment(comment)`: the tag of lines Keywarden wrote.
 *
 * Marker convention: a line Keywarden adds ends its comment with the word `keywarden-managed`
 * (optionally `keywarden-managed:<tag>`, e.g. an authorization id). The marker lives in the
 * line itself, so it travels with the key when lines are moved or reordered, survives any
 * other tool that preserves comments, and cannot end up describing a neighbouring line the
 * way a separate "# managed" comment line could. Edit helpers only rewrite or remove lines that
 * carry it unless the caller explicitly asks to remove an unmanaged key (revocation).
 */
import {
  parseAuthorizedKeyOptions,
  skipOptionsField,
  type AuthorizedKeyOption,
} from '../../../../shared/ssh/authorized-key-options';
import { isKeyTypeName } from './key-types';
import { parsePublicKey, splitKeyWords, type PublicKey } from './public-key';
import {
  joinTextLines,
  lineContent,
  splitTextLines,
  type LineEnding,
  type TextLine,
} from './text-lines';

export type { AuthorizedKeyOption } from '../../../../shared/ssh/authorized-key-options';

export const KEYWARDEN_MARKER = 'keywarden-managed';

interface LineBase extends TextLine {
  /** 1-based, as sshd's log messages and editors count. */
  lineNumber: number;
}

export interface AuthorizedKeyEntry extends LineBase {
  kind: 'key';
  options: AuthorizedKeyOption[];
  /** The options field exactly as written ('' when none). */
  optionsText: string;
  key: PublicKey;
  comment: string;
  /** True when the comment carries the Keywarden marker. */
  managed: boolean;
  /** Offset in `raw` where the key type word starts (what follows the options). */
  keyOffset: number;
  /** Offset in `raw` where the options field starts (after leading blanks). */
  optionsOffset: number;
}

export type AuthorizedKeysLine =
  | (LineBase & { kind: 'blank' })
  | (LineBase & { kind: 'comment' })
  | AuthorizedKeyEntry
  | (LineBase & { kind: 'invalid'; reason: string });

export interface AuthorizedKeysFile {
  lines: AuthorizedKeysLine[];
}

export function isKeywardenManagedComment(comment: string): boolean {
  for (const word of comment.split(/[ \t]+/)) {
    if (word === KEYWARDEN_MARKER || word.startsWith(KEYWARDEN_MARKER + ':')) return true;
  }
  return false;
}

export function parseAuthorizedKeyLine(
  raw: string,
  lineNumber: number,
  eol: LineEnding = '',
): AuthorizedKeysLine {
  const base = { raw, eol, lineNumber };
  const text = lineContent(raw);
  let start = 0;
  while (text[start] === ' ' || text[start] === '\t') start++;
  if (start === text.length) return { ...base, kind: 'blank' };
  if (text[start] === '#') return { ...base, kind: 'comment' };

  let keyOffset = start;
  let optionsText = '';
  let options: AuthorizedKeyOption[] = [];
  let words = splitKeyWords(text, start);
  // sshd first tries the line as a bare key, and only then as "options key".
  if (!isKeyTypeName(words.type)) {
    const end = skipOptionsField(text, start);
    if (end === undefined)
      return { ...base, kind: 'invalid', reason: 'unterminated quote in key options' };
    optionsText = text.slice(start, end);
    words = splitKeyWords(text, end);
    keyOffset = end;
    while (text[keyOffset] === ' ' || text[keyOffset] === '\t') keyOffset++;
    if (words.type === '') return { ...base, kind: 'invalid', reason: 'no key after the options' };
    if (!isKeyTypeName(words.type)) {
      return {
        ...base,
        kind: 'invalid',
        reason: `unknown key type ${JSON.stringify(words.type.slice(0, 64))}`,
      };
    }
  }
  if (words.data === '')
    return { ...base, kind: 'invalid', reason: 'no key data after the key type' };
  const parsed = parsePublicKey(words.type, words.data);
  if (!parsed.ok) return { ...base, kind: 'invalid', reason: parsed.reason };
  if (optionsText !== '') {
    const opts = parseAuthorizedKeyOptions(optionsText);
    if (!opts.ok) return { ...base, kind: 'invalid', reason: `bad key options: ${opts.reason}` };
    options = opts.options;
  }
  const comment = text.slice(words.rest);
  return {
    ...base,
    kind: 'key',
    options,
    optionsText,
    key: parsed.key,
    comment,
    managed: isKeywardenManagedComment(comment),
    keyOffset,
    optionsOffset: start,
  };
}

export function parseAuthorizedKeys(text: string): AuthorizedKeysFile {
  const split = splitTextLines(text);
  const lines = new Array<AuthorizedKeysLine>(split.length);
  for (let i = 0; i < split.length; i++) {
    const l = split[i] as TextLine;
    lines[i] = parseAuthorizedKeyLine(l.raw, i + 1, l.eol);
  }
  return { lines };
}

export function serializeAuthorizedKeys(file: AuthorizedKeysFile): string {
  return joinTextLines(file.lines);
}

export function authorizedKeyEntries(file: AuthorizedKeysFile): AuthorizedKeyEntry[] {
  return file.lines.filter((l): l is AuthorizedKeyEntry => l.kind === 'key');
}
