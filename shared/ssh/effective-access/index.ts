/**
 * Effective access, as sshd decides it: which keys (and certificates) open an account from
 * a source address now, given the sshd config with its Match blocks and the key files.
 *
 * Typical use:
 *   const access = evaluateEffectiveAccess({ config, account, source, files, now });
 *   access.keys.filter((k) => k.canLogIn);
 */
export * from './evaluate';
export type { KeyJudgement } from './judge-key';
export {
  keyLineFromParts,
  parseExpiryTime,
  readKeyLines,
  unknownTypeLineFromParts,
  type KeyLine,
} from './key-lines';
export { matchHostAndIp, matchUserPattern } from './allowed-user';
export { acceptedAlgorithms, DEFAULT_PUBKEY_ACCEPTED_ALGORITHMS } from './algorithms';
export * from './types';
