/**
 * Setting the global `AuthorizedKeysFile` of an sshd configuration through the parser: the
 * line that wins today (which may sit in an Included file) is the one rewritten, so the new
 * value is the one sshd uses; every other line of every file is kept byte for byte.
 */
import { effectiveSshdConfig, type LoadedSshdConfig } from '../ssh/sshd-config';

export interface AuthorizedKeysFileChange {
  /** The file to rewrite (the main config when no line sets the keyword yet). */
  file: string;
  /** Its new content. */
  content: string;
  /** 1-based line replaced, or 0 when a line was inserted at the top. */
  line: number;
  /** Match blocks that set their own AuthorizedKeysFile: the accounts they match keep it. */
  overriddenInMatch: { file: string; line: number }[];
}

/** sshd argument quoting: a value with blanks or quotes is double-quoted with escapes. */
export function quoteSshdArg(value: string): string {
  return /^[^\s"'\\#]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

export function setAuthorizedKeysFile(
  loaded: LoadedSshdConfig,
  texts: ReadonlyMap<string, string>,
  mainFile: string,
  values: readonly string[],
): AuthorizedKeysFileChange {
  const directive = `AuthorizedKeysFile ${values.map(quoteSshdArg).join(' ')}`;
  const winner = effectiveSshdConfig(loaded).first('AuthorizedKeysFile');
  const overriddenInMatch = matchOverrides(loaded);
  if (!winner) {
    const main = texts.get(mainFile) ?? '';
    const eol = main.includes('\r\n') ? '\r\n' : '\n';
    return { file: mainFile, content: `${directive}${eol}${main}`, line: 0, overriddenInMatch };
  }
  const lines = (texts.get(winner.file) ?? '').split('\n');
  const old = lines[winner.line - 1] ?? '';
  const indent = /^[ \t]*/.exec(old)?.[0] ?? '';
  lines[winner.line - 1] = `${indent}${directive}${old.endsWith('\r') ? '\r' : ''}`;
  return { file: winner.file, content: lines.join('\n'), line: winner.line, overriddenInMatch };
}

/** AuthorizedKeysFile lines inside Match blocks (an Include inside a Match inherits it). */
function matchOverrides(loaded: LoadedSshdConfig): { file: string; line: number }[] {
  const found: { file: string; line: number }[] = [];
  const stack: boolean[] = [];
  let inMatch = false;
  for (const e of loaded.entries) {
    if (e.type === 'include-begin') stack.push(inMatch);
    else if (e.type === 'include-end') inMatch = stack.pop() ?? false;
    else if (e.type === 'match') inMatch = true;
    else if (inMatch && e.keyword === 'authorizedkeysfile')
      found.push({ file: e.file, line: e.line });
  }
  return found;
}
