/**
 * Whether a line's options let this login through (auth.c auth_authorise_keyopts): the
 * expiry time, principals= only on CA lines, cert-authority only where allowed, and from=
 * against the source's name and address.
 *
 * Exports:
 * - `optionsRefusal(options, expiresAt, ctx)`: the reason sshd logs, or null.
 * - `forcedCommandOf(options)`: the command= value, or null.
 */
import type { AuthorizedKeyOption } from '../authorized-key-options';
import { matchHostAndIp } from './allowed-user';

export interface OptionsCheckContext {
  nowSeconds: number;
  host: string;
  address: string;
  /** False in authorized_principals files, where cert-authority is refused. */
  allowCertAuthority: boolean;
}

const valueOf = (options: readonly AuthorizedKeyOption[], name: string): string | undefined =>
  options.find((o) => o.name === name)?.value;

export function forcedCommandOf(options: readonly AuthorizedKeyOption[]): string | null {
  return valueOf(options, 'command') ?? null;
}

export function optionsRefusal(
  options: readonly AuthorizedKeyOption[],
  expiresAt: number | undefined,
  ctx: OptionsCheckContext,
): string | null {
  if (expiresAt !== undefined && expiresAt < ctx.nowSeconds) {
    return `entry expired at ${new Date(expiresAt * 1000).toISOString()}`;
  }
  const certAuthority = options.some((o) => o.name === 'cert-authority');
  if (valueOf(options, 'principals') !== undefined && !certAuthority) {
    return 'principals on non-CA key';
  }
  if (!ctx.allowCertAuthority && certAuthority) return 'cert-authority flag invalid here';
  const from = valueOf(options, 'from');
  if (from !== undefined) {
    const r = matchHostAndIp(ctx.host, ctx.address, from);
    if (r === -1) return `invalid from criteria ${JSON.stringify(from)}`;
    if (r === 0) return `source ${ctx.address} not permitted by from="${from}"`;
  }
  return null;
}
