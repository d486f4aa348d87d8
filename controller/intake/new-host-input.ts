/**
 * One agentless host as an admin describes it (API body, CSV row, discovery result),
 * checked field by field so a report can say exactly what is wrong with which value.
 */
import { isIP } from 'node:net';
import ssh2 from 'ssh2';
import type { InitialCredential } from '../secrets/credential-vault';

// ssh2 is CommonJS: under plain Node ESM only its default export is reliable.
const { utils } = ssh2;

export interface NewAgentlessHostInput {
  address: string;
  port?: number;
  name?: string;
  managementAccount: string;
  password?: string;
  privateKey?: string;
  hostKeyFingerprint?: string;
  groupId?: string;
}

export interface ValidHost {
  address: string;
  port: number;
  name: string;
  managementAccount: string;
  credential: InitialCredential | null;
  hostKeyFingerprint: string | null;
  groupId: string | null;
}

export interface FieldProblem {
  field: string;
  value: unknown;
  reason: string;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ACCOUNT = /^[a-z_][a-z0-9_.-]{0,31}$/;
export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Secrets never appear in a problem report: only that they were wrong and why. */
export function checkNewHost(
  input: NewAgentlessHostInput,
  opts: { requireCredential: boolean },
): { ok: true; host: ValidHost } | { ok: false; problem: FieldProblem } {
  const bad = (field: string, value: unknown, reason: string) => ({
    ok: false as const,
    problem: { field, value, reason },
  });
  const address = (input.address ?? '').trim();
  if (!address)
    return bad('address', input.address, 'an IPv4/IPv6 address or host name is required');
  if (!isIP(address) && !HOSTNAME.test(address))
    return bad('address', address, 'expected an IPv4/IPv6 address or a DNS host name');
  const port = input.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return bad('port', input.port, 'expected a whole number from 1 to 65535');
  const account = (input.managementAccount ?? '').trim();
  if (!ACCOUNT.test(account))
    return bad(
      'managementAccount',
      input.managementAccount,
      'expected a POSIX account name (lowercase letters, digits, _ . -, at most 32)',
    );
  const fp = input.hostKeyFingerprint?.trim() || null;
  if (fp !== null && !FINGERPRINT.test(fp))
    return bad(
      'hostKeyFingerprint',
      fp,
      'expected SHA256:<43 base64 characters>, as ssh-keygen -l prints it',
    );
  const password = input.password === '' ? undefined : input.password;
  const privateKey = input.privateKey?.trim() ? input.privateKey.trim() + '\n' : undefined;
  if (password !== undefined && privateKey !== undefined)
    return bad('password', '(hidden)', 'give either a password or a private key, not both');
  if (privateKey !== undefined) {
    const parsed = utils.parseKey(privateKey);
    if (parsed instanceof Error)
      return bad(
        'privateKey',
        '(hidden)',
        `not a usable unencrypted private key: ${parsed.message}`,
      );
  }
  if (password !== undefined && (password.length > 1024 || /[\r\n]/.test(password)))
    return bad('password', '(hidden)', 'expected one line of at most 1024 characters');
  const credential: InitialCredential | null =
    password !== undefined ? { password } : privateKey !== undefined ? { privateKey } : null;
  if (opts.requireCredential && !credential)
    return bad('password', null, 'an initial credential is required: a password or a private key');
  const name = input.name?.trim() || address;
  if (name.length > 200) return bad('name', name, 'at most 200 characters');
  return {
    ok: true,
    host: {
      address: address.toLowerCase(),
      port,
      name,
      managementAccount: account,
      credential,
      hostKeyFingerprint: fp,
      groupId: input.groupId?.trim() || null,
    },
  };
}
