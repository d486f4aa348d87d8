/**
 * The lines of one authorized_keys file as sshd reads them for authentication
 * (auth2-pubkeyfile.c auth_check_authkeys_file): blank and comment lines are ignored, a line
 * sshd cannot read (bad options, unknown key type, declared type not the blob's) is skipped
 * and grants nothing, and every other line is a candidate with its parsed options.
 *
 * Exports:
 * - `KeyLine`: a candidate line (key, options, expiry) or a skipped one (reason, fingerprint
 *   when the key blob could still be decoded).
 * - `readKeyLines(file, text, hostUtcOffsetMinutes)`: every non-blank, non-comment line.
 * - `keyLineFromParts(file, line, key, options, hostUtcOffsetMinutes)`: one line already
 *   parsed (e.g. an inventory record), with the option checks readKeyLines makes.
 * - `unknownTypeLineFromParts(file, line, key, options, hostUtcOffsetMinutes)`: the same for
 *   a well-formed line of a key type Keywarden does not know: sshd uses it if its OpenSSH
 *   knows the type, so it is neither a candidate Keywarden can judge nor a skipped line.
 */
import { parseAuthorizedKeyLine, type AuthorizedKeyOption } from '../authorized-keys';
import { splitTextLines } from '../text-lines';
import { parseExpiryTime } from '../expiry-time';
import { keyOfUnreadableLine, unknownTypeKeyLine } from '../unreadable-key-line';
import type { KeyFacts } from './types';

export { parseExpiryTime } from '../expiry-time';

export type KeyLine =
  | {
      kind: 'key';
      file: string;
      line: number;
      key: KeyFacts;
      options: AuthorizedKeyOption[];
      /** Earliest expiry-time, in seconds since the epoch; undefined when none. */
      expiresAt: number | undefined;
    }
  | {
      kind: 'unknown-type';
      file: string;
      line: number;
      fingerprint: string;
      keyType: string;
      options: AuthorizedKeyOption[];
      expiresAt: number | undefined;
    }
  | {
      kind: 'skipped';
      file: string;
      line: number;
      reason: string;
      fingerprint: string | null;
      keyType: string | null;
    };

/** Reasons sshauthopt_parse gives that the shared option parser does not check. */
function extraOptionProblem(options: readonly AuthorizedKeyOption[]): string | undefined {
  if (options.filter((o) => o.name === 'from').length > 1) return 'multiple "from" clauses';
  return undefined;
}

export function keyLineFromParts(
  file: string,
  line: number,
  key: KeyFacts,
  options: AuthorizedKeyOption[],
  hostUtcOffsetMinutes = 0,
): KeyLine {
  const skip = (reason: string): KeyLine => ({
    kind: 'skipped',
    file,
    line,
    reason,
    fingerprint: key.sha256,
    keyType: key.type,
  });
  const problem = extraOptionProblem(options);
  if (problem) return skip(`bad key options: ${problem}`);
  let expiresAt: number | undefined;
  for (const o of options) {
    if (o.name !== 'expiry-time') continue;
    const at = parseExpiryTime(o.value ?? '', hostUtcOffsetMinutes);
    if (at === undefined) return skip('bad key options: invalid expires time');
    if (expiresAt === undefined || at < expiresAt) expiresAt = at;
  }
  return { kind: 'key', file, line, key, options, expiresAt };
}

export function unknownTypeLineFromParts(
  file: string,
  line: number,
  key: { fingerprint: string; keyType: string },
  options: AuthorizedKeyOption[],
  hostUtcOffsetMinutes = 0,
): KeyLine {
  const checked = keyLineFromParts(
    file,
    line,
    { sha256: key.fingerprint, type: key.keyType, plainType: 'ssh-ed25519', bits: 0 },
    options,
    hostUtcOffsetMinutes,
  );
  // Options sshd refuses whatever the key type make the line skipped as any other.
  if (checked.kind !== 'key') return { ...checked, keyType: key.keyType };
  return { kind: 'unknown-type', file, line, ...key, options, expiresAt: checked.expiresAt };
}

export function readKeyLines(file: string, text: string, hostUtcOffsetMinutes = 0): KeyLine[] {
  const out: KeyLine[] = [];
  splitTextLines(text).forEach((l, index) => {
    const parsed = parseAuthorizedKeyLine(l.raw, index + 1, l.eol);
    const line = index + 1;
    if (parsed.kind === 'blank' || parsed.kind === 'comment') return;
    if (parsed.kind === 'key') {
      out.push(keyLineFromParts(file, line, parsed.key, parsed.options, hostUtcOffsetMinutes));
      return;
    }
    const unknown = unknownTypeKeyLine(l.raw);
    if (unknown) {
      out.push(
        unknownTypeLineFromParts(file, line, unknown, unknown.options, hostUtcOffsetMinutes),
      );
      return;
    }
    const fp = keyOfUnreadableLine(l.raw);
    out.push({
      kind: 'skipped',
      file,
      line,
      reason: parsed.reason,
      fingerprint: fp?.fingerprint ?? null,
      keyType: fp?.keyType ?? null,
    });
  });
  return out;
}
