/**
 * PubkeyAcceptedAlgorithms and RequiredRSASize for a key (auth2-pubkey.c userauth_pubkey):
 * the signature algorithm the OpenSSH client would use must be in the server's list.
 *
 * Exports:
 * - `DEFAULT_PUBKEY_ACCEPTED_ALGORITHMS`: OpenSSH 9's default list.
 * - `acceptedAlgorithms(value)`: the list after `+`, `-` and `^` edits (kex_assemble_names).
 * - `algorithmRefusal(cfg, key)`: why sshd would refuse the key's algorithm, or null.
 */
import { matchPattern, matchPatternList } from '../patterns';
import type { EffectiveSshdConfig } from '../sshd-config';
import type { KeyFacts } from './types';

export const DEFAULT_PUBKEY_ACCEPTED_ALGORITHMS = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

export function acceptedAlgorithms(value: string | undefined): string[] {
  const defaults = DEFAULT_PUBKEY_ACCEPTED_ALGORITHMS;
  if (value === undefined) return defaults;
  const list = value.slice(1).split(',');
  switch (value[0]) {
    case '+':
      return [...defaults, ...list];
    case '^':
      return [...list, ...defaults];
    case '-':
      return defaults.filter((a) => !list.some((p) => matchPattern(a, p)));
    default:
      return value.split(',');
  }
}

/** The algorithm names the OpenSSH client may sign with for this key (RSA: SHA-2 only). */
function signatureAlgorithms(key: KeyFacts): string[] {
  const cert = key.certificate !== undefined;
  if (key.plainType === 'ssh-rsa') {
    return cert
      ? ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com']
      : ['rsa-sha2-512', 'rsa-sha2-256'];
  }
  return [key.type];
}

export function algorithmRefusal(cfg: EffectiveSshdConfig, key: KeyFacts): string | null {
  const value =
    cfg.first('PubkeyAcceptedAlgorithms')?.args[0] ?? cfg.first('PubkeyAcceptedKeyTypes')?.args[0];
  const accepted = acceptedAlgorithms(value).join(',');
  const algs = signatureAlgorithms(key);
  if (!algs.some((a) => matchPatternList(a, accepted, false) === 1)) {
    return `key algorithm ${algs[0] ?? key.type} not in PubkeyAcceptedAlgorithms`;
  }
  const minRsa = Number(cfg.first('RequiredRSASize')?.args[0] ?? 1024);
  if (key.plainType === 'ssh-rsa' && key.bits < minRsa) {
    return `RSA key of ${key.bits} bits is below RequiredRSASize ${minRsa}`;
  }
  return null;
}
