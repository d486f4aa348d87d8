/**
 * Caps on the work one operation does with what a host hands it. Every byte Keywarden reads
 * from a host is written by whoever controls that host (or one account on it), so a file,
 * an Include tree or a log can be made as large or as deep as an attacker likes; the caps
 * keep one hostile input from freezing the agent or the controller, and what goes past a cap
 * becomes a finding about that input, never a failure of the whole host.
 *
 * Operations take `limits` in their arguments (any subset); the rest are the defaults below.
 */
import { invalidInput } from '../errors';

export interface HostReadLimits {
  /** One authorized_keys file (sshd itself reads any size; real files are a few KiB). */
  authorizedKeysBytes: number;
  /** One private key, `.pub` or host key file. */
  keyFileBytes: number;
  /** One sshd_config file (main or Included), and small system files such as os-release. */
  configFileBytes: number;
  /** sshd_config files read in one load, counting a file Included twice twice. */
  configFiles: number;
  /** Lines parsed across all sshd_config files of one load. */
  configLines: number;
  /** Directory entries looked at in one directory (an Include glob, a ~/.ssh). */
  dirEntries: number;
  /** Bytes of one log file read per scan: a longer backlog is read from its newest part. */
  logBytesPerFile: number;
  /** Bytes one compressed log may expand to; the rest of it is not read. */
  logExpandedBytesPerFile: number;
  /** One log line; longer lines are skipped (sshd's own lines are a few hundred bytes). */
  logLineBytes: number;
  /** Key logins kept per log per scan; the cursor stops at the last one, the next scan goes on. */
  logEvents: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const DEFAULT_HOST_READ_LIMITS: Readonly<HostReadLimits> = Object.freeze({
  authorizedKeysBytes: 1 * MiB,
  keyFileBytes: 64 * KiB,
  configFileBytes: 1 * MiB,
  configFiles: 256,
  configLines: 100_000,
  dirEntries: 10_000,
  logBytesPerFile: 16 * MiB,
  logExpandedBytesPerFile: 64 * MiB,
  logLineBytes: 8 * KiB,
  logEvents: 100_000,
});

/** The defaults with the caller's values over them; a value that is not a positive integer is refused. */
export function hostReadLimits(given?: Partial<HostReadLimits>): HostReadLimits {
  const limits = { ...DEFAULT_HOST_READ_LIMITS };
  for (const [name, value] of Object.entries(given ?? {})) {
    if (!Object.hasOwn(DEFAULT_HOST_READ_LIMITS, name)) {
      throw invalidInput(`unknown read limit "${name}"`, {
        details: { field: `limits.${name}`, value, expected: Object.keys(limits) },
      });
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw invalidInput(
        `limits.${name} must be a positive integer, got ${JSON.stringify(value)}`,
        {
          details: { field: `limits.${name}`, value, expected: 'a positive integer' },
        },
      );
    }
    limits[name as keyof HostReadLimits] = value;
  }
  return limits;
}
