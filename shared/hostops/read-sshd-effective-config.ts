/**
 * The settings sshd applies to one connection, as sshd itself decides them: `sshd -T -C`
 * with the connection's user, source host and address (and optionally the local address
 * and port), which evaluates every Match block the way a real login would. Read-only; the
 * sshd binary and the config path are the allow-listed ones the job checked.
 *
 * The connection's fields go into one `-C key=value,...` argument, so each is checked to
 * hold no separator sshd would read as another key.
 */
import { isIP } from 'node:net';
import { commandFailed, invalidInput } from '../errors';
import type { HostSession } from '../session/host-session';
import { DEFAULT_SSHD_CONFIG } from './host-sshd-config';

export interface ReadSshdEffectiveConfigParams {
  /** The account the connection logs in as (Match User, Group). */
  user: string;
  /** The connection's source address (Match Address). */
  addr: string;
  /** The source's host name (Match Host); default: the address. */
  host?: string;
  /** The address and port the connection arrives on (Match LocalAddress, LocalPort). */
  laddr?: string;
  lport?: number;
  sshdConfigPath?: string;
  sshdBinary?: string;
}

export interface ReadSshdEffectiveConfigResult {
  connection: { user: string; host: string; addr: string; laddr?: string; lport?: number };
  configPath: string;
  /** Keyword (lowercase, as `sshd -T` prints it) → its values, one per line sshd printed. */
  settings: Record<string, string[]>;
}

const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}\$?$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;

function check(field: string, value: unknown, ok: boolean, expected: string): void {
  if (!ok)
    throw invalidInput(`${field} ${JSON.stringify(value)} is not ${expected}`, {
      details: { field, value, expected },
    });
}

export async function readSshdEffectiveConfig(
  session: HostSession,
  params: ReadSshdEffectiveConfigParams,
): Promise<ReadSshdEffectiveConfigResult> {
  const { user, addr, laddr, lport } = params;
  const host = params.host ?? addr;
  check('user', user, typeof user === 'string' && USER.test(user), 'an account name');
  check('addr', addr, typeof addr === 'string' && isIP(addr) !== 0, 'an IP address');
  check(
    'host',
    host,
    typeof host === 'string' && (isIP(host) !== 0 || HOST.test(host)),
    'a host name or address',
  );
  if (laddr !== undefined) check('laddr', laddr, isIP(laddr) !== 0, 'an IP address');
  if (lport !== undefined)
    check('lport', lport, Number.isInteger(lport) && lport > 0 && lport < 65536, 'a port');
  const spec = [`user=${user}`, `host=${host}`, `addr=${addr}`];
  if (laddr !== undefined) spec.push(`laddr=${laddr}`);
  if (lport !== undefined) spec.push(`lport=${lport}`);
  const configPath = params.sshdConfigPath ?? DEFAULT_SSHD_CONFIG;
  const binary = params.sshdBinary ?? '/usr/sbin/sshd';
  const r = await session.exec(
    binary,
    ['-T', '-C', spec.join(','), '-f', session.commandPath(configPath)],
    { timeoutMs: 15_000 },
  );
  if (r.code !== 0)
    throw commandFailed(
      `${binary} -T for ${user} from ${addr} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 500)}`,
      {
        details: { binary, configPath, exitCode: r.code },
      },
    );
  const settings: Record<string, string[]> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line.trim());
    if (!m?.[1]) continue;
    (settings[m[1].toLowerCase()] ??= []).push(m[2] ?? '');
  }
  return {
    connection: {
      user,
      host,
      addr,
      ...(laddr !== undefined ? { laddr } : {}),
      ...(lport !== undefined ? { lport } : {}),
    },
    configPath,
    settings,
  };
}
