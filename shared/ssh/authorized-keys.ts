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

function skipBlanks(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB) break;
    i++;
  }
  return i;
}

function wordEnd(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) break;
    i++;
  }
  return i;
}

/** Base64 letters; `=` is handled apart (only as up to two trailing pad characters). */
const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  B64[c.charCodeAt(0)] = 1;
}

/**
 * The end of the key data word that starts at `i`, negated (minus one) when the word is not
 * canonical base64 (what public-key.ts checks, `[A-Za-z0-9+/]*={0,2}` in groups of four):
 * found and checked in the same pass.
 */
function base64WordEnd(text: string, i: number, end: number): number {
  const start = i;
  let ok = true;
  let pads = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) break;
    if (c === 61) pads++;
    else if (pads > 0 || c >= 128 || B64[c] === 0) ok = false;
    i++;
  }
  const len = i - start;
  return ok && pads <= 2 && len > 0 && len % 4 === 0 ? i : -1 - i;
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
 * The line `text[lineStart, lineEnd)` (without its ending), read in place: the file is never
 * copied line by line, only the parts a result keeps are sliced. Same classification and
 * word splitting as OpenSSH's key reader (see splitKeyWords and skipOptionsField).
 */
function parseLineAt(
  text: string,
  lineStart: number,
  lineEnd: number,
  lineNumber: number,
  eol: LineEnding,
  raw: string,
): AuthorizedKeysLine {
  // A stray CR at the end is not part of the content sshd looks at.
  const end = lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
  const start = skipBlanks(text, lineStart, end);
  if (start === end) return { raw, eol, lineNumber, kind: 'blank' };
  if (text.charCodeAt(start) === 35) return { raw, eol, lineNumber, kind: 'comment' };

  let keyOffset = start;
  let optionsEnd = start;
  let typeEnd = wordEnd(text, start, end);
  // The canonical (interned) name, so later lookups and comparisons need no hashing.
  let type = keyTypeNameAt(text, start, typeEnd);
  // sshd first tries the line as a bare key, and only then as "options key".
  if (type === undefined) {
    const field = skipOptionsField(text, start, end);
    if (field === undefined)
      return invalid(raw, eol, lineNumber, 'unterminated quote in key options');
    optionsEnd = field;
    keyOffset = skipBlanks(text, field, end);
    typeEnd = wordEnd(text, keyOffset, end);
    if (typeEnd === keyOffset) return invalid(raw, eol, lineNumber, 'no key after the options');
    type = keyTypeNameAt(text, keyOffset, typeEnd);
    if (type === undefined) {
      const word = text.slice(keyOffset, Math.min(typeEnd, keyOffset + 64));
      return invalid(raw, eol, lineNumber, `unknown key type ${JSON.stringify(word)}`);
    }
  }
  const dataStart = skipBlanks(text, typeEnd, end);
  if (dataStart === end) return invalid(raw, eol, lineNumber, 'no key data after the key type');
  let dataEnd = base64WordEnd(text, dataStart, end);
  const checked = dataEnd >= 0;
  if (!checked) dataEnd = -1 - dataEnd;
  // Unchecked data gets public-key.ts's own check, which names the problem.
  const key = readPublicKey(type, text.slice(dataStart, dataEnd), checked);
  if (typeof key === 'string') return invalid(raw, eol, lineNumber, key);
  let options: AuthorizedKeyOption[] = [];
  const optionsText = optionsEnd === start ? '' : text.slice(start, optionsEnd);
  if (optionsText !== '') {
    const opts = parseAuthorizedKeyOptions(optionsText);
    if (!opts.ok) return invalid(raw, eol, lineNumber, `bad key options: ${opts.reason}`);
    options = opts.options;
  }
  const comment = text.slice(skipBlanks(text, dataEnd, end), end);
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
    keyOffset: keyOffset - lineStart,
    optionsOffset: start - lineStart,
  };
}

export function parseAuthorizedKeyLine(
  raw: string,
  lineNumber: number,
  eol: LineEnding = '',
): AuthorizedKeysLine {
  return parseLineAt(raw, 0, raw.length, lineNumber, eol, raw);
}

/** Splits and parses in one pass over `text`, without an intermediate array of lines. */
export function parseAuthorizedKeys(text: string): AuthorizedKeysFile {
  const lines: AuthorizedKeysLine[] = [];
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    let eol: LineEnding = '\n';
    let rawEnd = nl;
    if (nl === -1) {
      nl = rawEnd = text.length;
      eol = '';
    } else if (nl > start && text.charCodeAt(nl - 1) === 13) {
      rawEnd = nl - 1;
      eol = '\r\n';
    }
    const raw = text.slice(start, rawEnd);
    lines.push(parseLineAt(text, start, rawEnd, lines.length + 1, eol, raw));
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
