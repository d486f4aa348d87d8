/**
 * Edits of authorized_keys text that change only the targeted lines; every other line is
 * written back byte for byte. Only lines carrying the Keywarden marker (see
 * authorized-keys.ts) are ever rewritten; removing an unmanaged key needs `includeUnmanaged`.
 *
 * Exports:
 * - `addAuthorizedKey(text, keyLine, opts?)`: appends a managed line unless the same key blob
 *   is already present (idempotent); can set options on it.
 * - `removeAuthorizedKeys(text, sha256s, opts?)`: drops key lines with those fingerprints.
 * - `setAuthorizedKeyOptions(text, sha256, options)`: rewrites the options of managed lines.
 * - `replaceAuthorizedKeyLine(text, sha256, lineText, opts)`: puts back one exact line (a
 *   quarantined key restored byte for byte, controller/retirement/).
 * - `AuthorizedKeysEdit`: `{ text, changed, lines, skippedUnmanaged }` result of each.
 * Bad input from the caller (unparseable key, option sshd would refuse) throws INVALID_INPUT.
 *
 * Each edit takes an optional `owns(entry)`: which lines are Keywarden's to rewrite or
 * remove. By default a line carrying the marker; a caller that keeps records of the lines it
 * placed (authorizations) passes a test against those records instead, because any user can
 * write the marker into their own file.
 */
import { invalidInput } from '../errors';
import { formatAuthorizedKeyOptions, type AuthorizedKeyOption } from './authorized-key-options';
import {
  KEYWARDEN_MARKER,
  parseAuthorizedKeyLine,
  parseAuthorizedKeys,
  serializeAuthorizedKeys,
  type AuthorizedKeyEntry,
  type AuthorizedKeysLine,
} from './authorized-keys';
import { parsePublicKeyLine } from './public-key';
import { appendLine, newlineStyle } from './text-lines';

export interface AuthorizedKeysEdit {
  text: string;
  changed: boolean;
  /** 1-based numbers (in the input text) of lines changed or removed; for an add, the new line. */
  lines: number[];
  /** Lines that matched but were left alone because Keywarden did not add them. */
  skippedUnmanaged: number[];
  /**
   * The changed lines as they were, byte for byte without their line ending (set by the
   * option and line rewrites): what a quarantine keeps to restore exactly.
   */
  before?: string[];
}

export interface AddKeyOptions {
  options?: AuthorizedKeyOption[];
  /** Replaces the key's own comment on the new line. */
  comment?: string;
  /** Written as `keywarden-managed:<tag>` (letters, digits, `._-`), e.g. an authorization id. */
  tag?: string;
  owns?: OwnsLine;
}

/** Whether a key line is Keywarden's to rewrite or remove. */
export type OwnsLine = (entry: AuthorizedKeyEntry) => boolean;
const byMarker: OwnsLine = (entry) => entry.managed;

/** Owns exactly the lines whose options are one of these (the records of what was placed). */
export const ownsByOptions =
  (placed: readonly (readonly AuthorizedKeyOption[])[]): OwnsLine =>
  (entry) =>
    placed.some((options) => sameOptions(entry.options, options));

/** The same options in the same order (names compared in their canonical lowercase). */
export const sameOptions = (a: readonly AuthorizedKeyOption[], b: readonly AuthorizedKeyOption[]) =>
  a.length === b.length &&
  a.every((o, i) => o.name === b[i]?.name.toLowerCase() && o.value === b[i]?.value);

function rewriteOptions(
  entry: AuthorizedKeyEntry,
  options: readonly AuthorizedKeyOption[],
): string {
  const field = formatAuthorizedKeyOptions(options);
  const head = entry.raw.slice(0, entry.optionsOffset);
  const tail = entry.raw.slice(entry.keyOffset);
  return field === '' ? head + tail : `${head}${field} ${tail}`;
}

export function addAuthorizedKey(
  text: string,
  keyLine: string,
  opts: AddKeyOptions = {},
): AuthorizedKeysEdit {
  const parsed = parsePublicKeyLine(keyLine);
  if (!parsed.ok) {
    throw invalidInput(`cannot add key: ${parsed.reason}`, {
      details: { field: 'key', value: keyLine.slice(0, 200) },
    });
  }
  if (opts.tag !== undefined && !/^[A-Za-z0-9._-]+$/.test(opts.tag)) {
    throw invalidInput('tag must be letters, digits, ".", "_" or "-"', {
      details: { field: 'tag', value: opts.tag },
    });
  }
  const file = parseAuthorizedKeys(text);
  const existing = file.lines.find(
    (l): l is AuthorizedKeyEntry => l.kind === 'key' && l.key.base64 === parsed.key.base64,
  );
  if (existing) {
    const none = { text, changed: false, lines: [], skippedUnmanaged: [] };
    const owns = opts.owns ?? byMarker;
    if (!owns(existing)) return { ...none, skippedUnmanaged: [existing.lineNumber] };
    if (opts.options === undefined || sameOptions(existing.options, opts.options)) return none;
    return setAuthorizedKeyOptions(text, existing.key.sha256, opts.options, { owns });
  }
  const comment = (opts.comment ?? parsed.comment).replace(/[\r\n]+/g, ' ').trim();
  const marker = opts.tag === undefined ? KEYWARDEN_MARKER : `${KEYWARDEN_MARKER}:${opts.tag}`;
  const field = opts.options ? formatAuthorizedKeyOptions(opts.options) : '';
  const raw = [field, parsed.key.type, parsed.key.base64, comment, marker]
    .filter(Boolean)
    .join(' ');
  const eol = newlineStyle(file.lines);
  const lineNumber = file.lines.length + 1;
  const lines = appendLine<AuthorizedKeysLine>(
    file.lines,
    parseAuthorizedKeyLine(raw, lineNumber, eol),
  );
  return {
    text: serializeAuthorizedKeys({ lines }),
    changed: true,
    lines: [lineNumber],
    skippedUnmanaged: [],
  };
}

export function removeAuthorizedKeys(
  text: string,
  sha256s: string | readonly string[],
  opts: { includeUnmanaged?: boolean; owns?: OwnsLine } = {},
): AuthorizedKeysEdit {
  const owns = opts.owns ?? byMarker;
  const targets = new Set(typeof sha256s === 'string' ? [sha256s] : sha256s);
  const file = parseAuthorizedKeys(text);
  const removed: number[] = [];
  const skippedUnmanaged: number[] = [];
  const kept = file.lines.filter((l) => {
    if (l.kind !== 'key' || !targets.has(l.key.sha256)) return true;
    if (!opts.includeUnmanaged && !owns(l)) {
      skippedUnmanaged.push(l.lineNumber);
      return true;
    }
    removed.push(l.lineNumber);
    return false;
  });
  if (removed.length === 0) return { text, changed: false, lines: [], skippedUnmanaged };
  return {
    text: serializeAuthorizedKeys({ lines: kept }),
    changed: true,
    lines: removed,
    skippedUnmanaged,
  };
}

export function setAuthorizedKeyOptions(
  text: string,
  sha256: string,
  options: readonly AuthorizedKeyOption[],
  opts: { owns?: OwnsLine } = {},
): AuthorizedKeysEdit {
  return rewriteKeyLines(text, sha256, opts.owns ?? byMarker, (l) =>
    sameOptions(l.options, options) ? undefined : rewriteOptions(l, options),
  );
}

/**
 * Replaces the owned lines of one key with exactly `lineText` (which must carry the same
 * key): the way back from a quarantine to the line as it was, byte for byte.
 */
export function replaceAuthorizedKeyLine(
  text: string,
  sha256: string,
  lineText: string,
  opts: { owns?: OwnsLine } = {},
): AuthorizedKeysEdit {
  const parsed = parseAuthorizedKeyLine(lineText, 1);
  if (/[\r\n]/.test(lineText) || parsed.kind !== 'key' || parsed.key.sha256 !== sha256) {
    throw invalidInput(`lineText must be one authorized_keys line carrying key ${sha256}`, {
      details: { field: 'lineText', value: lineText.slice(0, 200) },
    });
  }
  return rewriteKeyLines(text, sha256, opts.owns ?? byMarker, (l) =>
    l.raw === lineText ? undefined : lineText,
  );
}

/** Rewrites the owned lines of one key to what `rewrite` returns (undefined: unchanged). */
function rewriteKeyLines(
  text: string,
  sha256: string,
  owns: OwnsLine,
  rewrite: (entry: AuthorizedKeyEntry) => string | undefined,
): AuthorizedKeysEdit {
  const file = parseAuthorizedKeys(text);
  const changedLines: number[] = [];
  const skippedUnmanaged: number[] = [];
  const before: string[] = [];
  const lines = file.lines.map((l) => {
    if (l.kind !== 'key' || l.key.sha256 !== sha256) return l;
    if (!owns(l)) {
      skippedUnmanaged.push(l.lineNumber);
      return l;
    }
    const raw = rewrite(l);
    if (raw === undefined) return l;
    changedLines.push(l.lineNumber);
    before.push(l.raw);
    return parseAuthorizedKeyLine(raw, l.lineNumber, l.eol);
  });
  if (changedLines.length === 0) return { text, changed: false, lines: [], skippedUnmanaged };
  return {
    text: serializeAuthorizedKeys({ lines }),
    changed: true,
    lines: changedLines,
    skippedUnmanaged,
    before,
  };
}
