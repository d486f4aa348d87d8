/**
 * The options a quarantined authorized_keys line carries instead of its own. Each of the
 * three alone stops the key; together they fail safe if one is ever read differently:
 *
 * - `from="0.0.0.0/32"`: 0.0.0.0 is "this host on this network" (RFC 1122 3.2.1.3), which
 *   may only ever be the source of a host that has no address yet (a DHCP discover): it
 *   cannot be the source of a TCP connection, so no client address ever matches, and the
 *   `/32` keeps it from matching any host name (a name cannot contain `/`). A documentation
 *   range (192.0.2.0/24) was not chosen: nothing stops a lab network from using one.
 * - `expiry-time` set to the moment of the quarantine: sshd refuses a key past it, even if
 *   a later sshd changed how from= is matched.
 * - `restrict`: no forwarding, no pty, no agent, should anything above let a login through.
 */
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-keys';
import { expiryTimeValue } from '../authorizations/placed-options';

export const QUARANTINE_FROM = '0.0.0.0/32';

export const quarantineOptions = (now: number): AuthorizedKeyOption[] => [
  { name: 'restrict' },
  { name: 'from', value: QUARANTINE_FROM },
  { name: 'expiry-time', value: expiryTimeValue(now) },
];

/** A line already carrying a quarantine (so never taken for an original). */
export const isQuarantineLine = (options: readonly AuthorizedKeyOption[]): boolean =>
  options.some((o) => o.name === 'from' && o.value === QUARANTINE_FROM) &&
  options.some((o) => o.name === 'restrict');

export const DAY_MS = 86_400_000;
