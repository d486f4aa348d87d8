/**
 * What the effective-access evaluator takes and answers. The evaluator is pure: everything
 * sshd would look at for one login attempt is passed in (config, account, source, files, time).
 *
 * Exports:
 * - `AccessAccount`, `AccessSource`, `EffectiveAccessInput`: the question.
 * - `LineVerdict`, `KeyVerdict`, `CertificateTrust`, `ExternalDecision`, `EffectiveAccess`: the answer.
 */
import type { AuthorizedKeyOption } from '../authorized-key-options';
import type { PublicKey } from '../public-key';
import type { LoadedSshdConfig } from '../sshd-config';
import type { KeyLine } from './key-lines';

/**
 * What the evaluator needs of a key: a parsed `PublicKey` has it, and so does an inventory
 * record (fingerprint, type, bits) without the key text.
 */
export type KeyFacts = Pick<PublicKey, 'sha256' | 'type' | 'plainType' | 'bits' | 'certificate'>;

export interface AccessAccount {
  name: string;
  uid: number;
  /** Primary and supplementary group names (what Match Group and Allow/DenyGroups see). */
  groups: readonly string[];
  home: string;
}

export interface AccessSource {
  /** The client's IP address as sshd sees it. */
  address: string;
  /** The reverse-resolved name; used only when the config says `UseDNS yes`. */
  hostname?: string;
  /** The address and port the client connected to (Match LocalAddress / LocalPort). */
  localAddress?: string;
  localPort?: number;
}

export interface EffectiveAccessInput {
  /** sshd_config as loaded, Match blocks included (loadSshdConfig). */
  config: LoadedSshdConfig;
  account: AccessAccount;
  source: AccessSource;
  /**
   * Contents of the files sshd would read for this login (authorized_keys files,
   * TrustedUserCAKeys, AuthorizedPrincipalsFile), by absolute path. A path missing here
   * does not exist (or sshd cannot read it), as sshd then treats it.
   */
  files: ReadonlyMap<string, string>;
  /**
   * Key lines already parsed (an inventory's, see `keyLineFromParts`), used instead of reading
   * the authorized_keys files from `files`. Only lines of the files sshd reads for this login
   * count, in AuthorizedKeysFile order, then line order.
   */
  keyLines?: readonly KeyLine[];
  /** Milliseconds since the epoch. */
  now: number;
  /** `expiry-time` without `Z` is the host's local time: its offset east of UTC (default 0). */
  hostUtcOffsetMinutes?: number;
}

export interface LineVerdict {
  file: string;
  line: number;
  /** SHA256 fingerprint of the line's key, also for key types Keywarden does not know. */
  fingerprint: string | null;
  keyType: string | null;
  options: AuthorizedKeyOption[];
  /**
   * - `usable`: the line accepts its key from this source now.
   * - `refused`: sshd reads the line but its options refuse this login (from=, expiry-time=).
   * - `skipped`: sshd cannot use the line (bad options, unknown key type, type mismatch).
   * - `cert-authority`: a CA line; it admits certificates, never its own key.
   * - `unknown-type`: a key type Keywarden does not know: sshd uses the line if its OpenSSH
   *   knows the type (Keywarden neither grants nor denies it).
   */
  status: 'usable' | 'refused' | 'skipped' | 'cert-authority' | 'unknown-type';
  reason: string | null;
}

export interface KeyVerdict {
  fingerprint: string;
  keyType: string;
  canLogIn: boolean;
  /** The line sshd accepts the key on: the first usable one, in AuthorizedKeysFile order. */
  grantedBy: { file: string; line: number } | null;
  /** Options of that line (restrict, command=, ...). */
  options: AuthorizedKeyOption[];
  forcedCommand: string | null;
  /** Why the key does not let anyone in (null when it does). */
  reason: string | null;
  /**
   * Set when Keywarden cannot decide: no file grants the key but an external command would
   * be asked; or the key's type is one Keywarden does not know (`canLogIn` is then false as
   * far as Keywarden knows: sshd lets it in if its OpenSSH knows the type).
   */
  decidedBy: 'authorized-keys-command' | 'unknown-key-type' | null;
}

/** A CA whose certificates open the account (authorized_keys `cert-authority` or TrustedUserCAKeys). */
export interface CertificateTrust {
  via: 'cert-authority' | 'TrustedUserCAKeys';
  caFingerprint: string;
  file: string;
  line: number;
  /**
   * Certificate principals that open the account: the `principals=` list, the names in the
   * AuthorizedPrincipalsFile, or the account name. `any` for a cert-authority line without
   * principals= : a certificate without principals is accepted for every account.
   */
  principals: string[];
  acceptsPrincipalFreeCertificates: boolean;
  options: AuthorizedKeyOption[];
  usable: boolean;
  reason: string | null;
  /** Set when AuthorizedPrincipalsCommand decides which principals count. */
  decidedBy: 'authorized-principals-command' | null;
}

export interface ExternalDecision {
  keyword: 'AuthorizedKeysCommand' | 'AuthorizedPrincipalsCommand';
  command: string;
  user: string | null;
}

export interface EffectiveAccess {
  account: string;
  source: { address: string; host: string };
  /** Why no key can log in at all (account not allowed, PubkeyAuthentication no, ...). */
  denied: string | null;
  /** AuthorizedKeysFile for this login, expanded, in the order sshd reads them. */
  authorizedKeysFiles: string[];
  keys: KeyVerdict[];
  lines: LineVerdict[];
  certificateAuthorities: CertificateTrust[];
  /** Commands sshd would run to decide: their answer is not judged here. */
  external: ExternalDecision[];
}
