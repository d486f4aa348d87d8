/**
 * Splitting one sshd_config line the way sshd does (servconf.c + misc.c): the keyword ends at
 * whitespace or `=`, one `=` may separate it from the arguments, and the arguments are split
 * like OpenSSH's argv_split: double or single quotes, `\"`, `\'`, `\\` and `\ ` escapes, and
 * an argument starting with `#` ends the line.
 *
 * Exports:
 * - `SshdLineTokens`: `{ name, keyword, args, rest }` (`keyword` lowercased; `rest` is the raw
 *   argument text, which AuthorizedKeysCommand-style keywords take verbatim).
 * - `tokenizeSshdLine(line)`: tokens, `undefined` for blank/comment lines, or `{ error }`.
 */
export interface SshdLineTokens {
  name: string;
  keyword: string;
  args: string[];
  rest: string;
}

const WS = ' \t\r\n';
const isWs = (c: string | undefined) => c !== undefined && WS.includes(c);

export function splitSshdArgs(s: string): string[] | { error: string } {
  const args: string[] = [];
  let i = 0;
  for (;;) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length || s[i] === '#') break;
    let arg = '';
    let quote = '';
    for (; i < s.length; i++) {
      const c = s[i] as string;
      const next = s[i + 1];
      if (c === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          i++;
          arg += next;
        } else {
          arg += c;
        }
      } else if (quote === '' && (c === ' ' || c === '\t')) {
        break;
      } else if (quote === '' && (c === '"' || c === "'")) {
        quote = c;
      } else if (quote !== '' && c === quote) {
        quote = '';
      } else {
        arg += c;
      }
    }
    if (i >= s.length && quote !== '') return { error: 'invalid quotes' };
    args.push(arg);
  }
  return args;
}

export function tokenizeSshdLine(line: string): SshdLineTokens | { error: string } | undefined {
  let end = line.length;
  while (end > 0 && (isWs(line[end - 1]) || line[end - 1] === '\f')) end--;
  const text = line.slice(0, end);
  let i = 0;
  while (isWs(text[i])) i++;
  const start = i;
  while (i < text.length && !isWs(text[i]) && text[i] !== '=') i++;
  const name = text.slice(start, i);
  if (name === '' || name.startsWith('#')) return undefined;
  const delimiterWasEquals = text[i] === '=';
  if (i < text.length) i++;
  while (isWs(text[i])) i++;
  if (!delimiterWasEquals && text[i] === '=') {
    i++;
    while (isWs(text[i])) i++;
  }
  const rest = text.slice(i);
  if (rest === '') return { error: `no argument after keyword "${name}"` };
  const args = splitSshdArgs(rest);
  if ('error' in args) return args;
  return { name, keyword: name.toLowerCase(), args, rest };
}
