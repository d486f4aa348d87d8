// Frozen copy of shared/ssh/text-lines.ts as of d441a07 (before the issue 19 parser rewrite): the
// reference the differential test compares the current parser with. Do not edit.

/**
 * Lossless line splitting for the line-oriented OpenSSH files: every line keeps its own
 * ending, so joining the pieces gives back the input byte for byte (CRLF, no final newline).
 *
 * Exports:
 * - `TextLine`: `{ raw, eol }`; `raw` never contains `\n`, and ends in `\r` only when that
 *   `\r` was not followed by `\n`.
 * - `splitTextLines(text)`, `joinTextLines(lines)`: inverse of each other for any string.
 * - `newlineStyle(lines)`: the ending new lines should use (`\r\n` if the file uses CRLF).
 * - `appendLine(lines, raw)`: adds a line, first terminating an unterminated last line.
 */
export type LineEnding = '' | '\n' | '\r\n';

export interface TextLine {
  raw: string;
  eol: LineEnding;
}

export function splitTextLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      lines.push({ raw: text.slice(start), eol: '' });
      break;
    }
    if (nl > start && text.charCodeAt(nl - 1) === 13) {
      lines.push({ raw: text.slice(start, nl - 1), eol: '\r\n' });
    } else {
      lines.push({ raw: text.slice(start, nl), eol: '\n' });
    }
    start = nl + 1;
  }
  return lines;
}

export function joinTextLines(lines: readonly TextLine[]): string {
  let out = '';
  for (const l of lines) out += l.raw + l.eol;
  return out;
}

export function newlineStyle(lines: readonly TextLine[]): '\n' | '\r\n' {
  for (const l of lines) if (l.eol !== '') return l.eol;
  return '\n';
}

/** Returns new line objects; the input is not mutated. */
export function appendLine<T extends TextLine>(lines: readonly T[], line: T): T[] {
  const out = [...lines];
  const last = out[out.length - 1];
  if (last && last.eol === '') out[out.length - 1] = { ...last, eol: newlineStyle(lines) };
  out.push(line);
  return out;
}

/** The line's text without a stray trailing `\r` (what sshd effectively looks at). */
export function lineContent(raw: string): string {
  return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
}
