/**
 * The options field Keywarden writes for an authorization: the options as given, then the
 * expiry as OpenSSH's own `expiry-time="YYYYMMDDHHMMSSZ"` (UTC), so sshd refuses the key
 * after it even when the controller is down or the removal never reaches the host.
 */
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import type { AuthorizationRecord } from '../store/authorization-records';

/** `YYYYMMDDHHMMSSZ` in UTC, as sshd(8) reads expiry-time. */
export function expiryTimeValue(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    String(d.getUTCFullYear()).padStart(4, '0') +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes()) +
    two(d.getUTCSeconds()) +
    'Z'
  );
}

export function placedOptions(
  auth: Pick<AuthorizationRecord, 'options' | 'expiresAt'>,
): AuthorizedKeyOption[] {
  return auth.expiresAt === null
    ? [...auth.options]
    : [...auth.options, { name: 'expiry-time', value: expiryTimeValue(auth.expiresAt) }];
}

/** The marker tag of the lines an authorization places (for people reading the file only). */
export const authorizationTag = (id: string): string => `authz-${id}`;
