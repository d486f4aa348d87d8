/**
 * Exports:
 * - `GLOBAL_ONLY_KEYWORDS`: sshd_config keywords sshd refuses inside a Match block
 *   ("Directive 'X' is not allowed within a Match block"); the common ones, not all.
 */
export const GLOBAL_ONLY_KEYWORDS: ReadonlySet<string> = new Set([
  'hostkey',
  'hostcertificate',
  'port',
  'listenaddress',
  'addressfamily',
  'pidfile',
  'subsystem',
  'usedns',
  'usepam',
]);
