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
} from './authorized-key-options';
import { keyTypeNameAt } from './key-types';
import { readPublicKey, type PublicKey } from './public-key';
import { joinTextLines, type LineEnding, type TextLine } from './text-lines';

export type { AuthorizedKeyOption } from './authorized-key-options';

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
  // Nearly every comment lacks the marker: skip the word split for those.
  if (!comment.includes(KEYWARDEN_MARKER)) return false;
  for (const word of comment.split(/[ \t]+/)) {
    if (word === KEYWARDEN_MARKER || word.startsWith(KEYWARDEN_MARKER + ':')) return true;
  }
  return false;
}

const SPACE = 32;
const TAB = 9;

function skipBlanks(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === SPACE || c === TAB) c = text.charCodeAt(++i);
  return i;
}

function wordEnd(text: string, i: number): number {
  const len = text.length;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) break;
    i++;
  }
  return i;
}

/** A module function rather than a closure per line: those showed in profiles. */
function invalid(
  raw: string,
  eol: LineEnding,
  lineNumber: number,
  reason: string,
): AuthorizedKeysLine {
  return { raw, eol, lineNumber, kind: 'invalid', reason };
}

/**
 * One line, read in a single pass over its characters (the same classification and the same
 * word splitting as OpenSSH's key reader; see splitKeyWords and skipOptionsField).
 */
export function parseAuthorizedKeyLine(
  raw: string,
  lineNumber: number,
  eol: LineEnding = '',
): AuthorizedKeysLine {
  const text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
  const start = skipBlanks(text, 0);
  if (start === text.length) return { raw, eol, lineNumber, kind: 'blank' };
  if (text.charCodeAt(start) === 35) return { raw, eol, lineNumber, kind: 'comment' };

  let keyOffset = start;
  let optionsText = '';
  let typeEnd = wordEnd(text, start);
  // The canonical (interned) name, so later lookups and comparisons need no hashing.
  let type = keyTypeNameAt(text, start, typeEnd);
  // sshd first tries the line as a bare key, and only then as "options key".
  if (type === undefined) {
    const end = skipOptionsField(text, start);
    if (end === undefined)
      return invalid(raw, eol, lineNumber, 'unterminated quote in key options');
    optionsText = text.slice(start, end);
    keyOffset = skipBlanks(text, end);
    typeEnd = wordEnd(text, keyOffset);
    if (typeEnd === keyOffset) return invalid(raw, eol, lineNumber, 'no key after the options');
    type = keyTypeNameAt(text, keyOffset, typeEnd);
    if (type === undefined) {
      const word = text.slice(keyOffset, Math.min(typeEnd, keyOffset + 64));
      return invalid(raw, eol, lineNumber, `unknown key type ${JSON.stringify(word)}`);
    }
  }
  const dataStart = skipBlanks(text, typeEnd);
  const dataEnd = wordEnd(text, dataStart);
  if (dataEnd === dataStart) return invalid(raw, eol, lineNumber, 'no key data after the key type');
  const key = readPublicKey(type, text.slice(dataStart, dataEnd));
  if (typeof key === 'string') return invalid(raw, eol, lineNumber, key);
  let options: AuthorizedKeyOption[] = [];
  if (optionsText !== '') {
    const opts = parseAuthorizedKeyOptions(optionsText);
    if (!opts.ok) return invalid(raw, eol, lineNumber, `bad key options: ${opts.reason}`);
    options = opts.options;
  }
  const comment = text.slice(skipBlanks(text, dataEnd));
  return {
    raw,
    eol,
    lineNumber,
    kind: 'key',
    options,
    optionsText,
    key,
    comment,
    managed: isKeywardenManagedComment(comment),
    keyOffset,
    optionsOffset: start,
  };
}

/** Splits and parses in one pass, without an intermediate array of lines. */
export function parseAuthorizedKeys(text: string): AuthorizedKeysFile {
  const lines: AuthorizedKeysLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      lines.push(parseAuthorizedKeyLine(text.slice(start), lines.length + 1, ''));
      break;
    }
    const crlf = nl > start && text.charCodeAt(nl - 1) === 13;
    const raw = text.slice(start, crlf ? nl - 1 : nl);
    lines.push(parseAuthorizedKeyLine(raw, lines.length + 1, crlf ? '\r\n' : '\n'));
    start = nl + 1;
  }
  return { lines };
}

export function serializeAuthorizedKeys(file: AuthorizedKeysFile): string {
  return joinTextLines(file.lines);
}

export function authorizedKeyEntries(file: AuthorizedKeysFile): AuthorizedKeyEntry[] {
  return file.lines.filter((l): l is AuthorizedKeyEntry => l.kind === 'key');
}
