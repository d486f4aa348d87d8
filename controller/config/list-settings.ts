/**
 * Parsers of the list settings that say what an operator may make run as root on a host
 * (allowed sshd binaries, reload commands, config paths). A list is a JSON array; a list of
 * paths may also be written comma-separated. Each entry must be an absolute, normalized
 * path, so that "/etc/ssh/../shadow" can never match an allowed prefix.
 */
import path from 'node:path';
import { settingFailure as fail } from '../../shared/config/settings-parser';
import type { Parse } from './config-schema';

const isAbsoluteNormalized = (p: string) =>
  p.startsWith('/') && path.posix.normalize(p) === p && !p.includes('//');

function jsonOrCommaList(raw: string): unknown {
  const v = raw.trim();
  if (v.startsWith('[')) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  }
  return v === '' ? [] : v.split(',').map((s) => s.trim());
}

/** Absolute paths; an entry ending in "/" stands for the files directly in that directory. */
export const asPathList: Parse<readonly string[]> = (raw, name) => {
  const list = jsonOrCommaList(raw);
  const expected = 'a JSON array or comma-separated list of absolute, normalized paths';
  if (!Array.isArray(list)) return fail(name, raw, expected);
  for (const p of list)
    if (typeof p !== 'string' || !isAbsoluteNormalized(p.endsWith('/') ? p.slice(0, -1) || '/' : p))
      return fail(name, raw, expected);
  return Object.freeze([...(list as string[])]);
};

/** Commands as argument vectors: [["systemctl","reload","ssh"], ...], matched exactly. */
export const asCommandList: Parse<readonly (readonly string[])[]> = (raw, name) => {
  const expected =
    'a JSON array of commands, each an array of arguments with an absolute or bare program name, e.g. [["systemctl","reload","ssh"]]';
  let list: unknown;
  try {
    list = JSON.parse(raw.trim());
  } catch {
    return fail(name, raw, expected);
  }
  if (!Array.isArray(list)) return fail(name, raw, expected);
  for (const c of list)
    if (
      !Array.isArray(c) ||
      c.length === 0 ||
      !c.every((a) => typeof a === 'string' && a.length > 0)
    )
      return fail(name, raw, expected);
  return Object.freeze((list as string[][]).map((c) => Object.freeze([...c])));
};
