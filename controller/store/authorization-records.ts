/**
 * Authorizations: the managed grants. "Key K may log in as account Y on host H (or on
 * every host of group G)", with OpenSSH options and an optional expiry. A placement is
 * one host's copy of the grant: the authorized_keys line Keywarden wrote there, as the
 * records say it wrote it. Whether a line on a host is covered by an authorization is
 * decided from these records (host, account, fingerprint, options), never from the
 * `keywarden-managed` marker in the file, which any user can write into their own file.
 *
 * Nothing is deleted: a removed or expired authorization and its removed placements stay,
 * so "who was allowed where, by whom, until when" stays answerable. Times are ms since the epoch.
 */
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';

/** active until removed by an admin or expired; its placements say what the hosts hold. */
export const AUTHORIZATION_STATES = ['active', 'removed', 'expired'] as const;
export type AuthorizationState = (typeof AUTHORIZATION_STATES)[number];

/** What happens when a scan finds the placed line gone or altered by hand. */
export const DRIFT_ACTIONS = ['restore', 'drop'] as const;
export type DriftAction = (typeof DRIFT_ACTIONS)[number];

/** Where the key comes from: a public key given by an admin, or a private key on a host. */
export type AuthorizationKeySource =
  | { kind: 'public-key' }
  | { kind: 'private-key'; hostId: string; account: string | null; path: string };

export type AuthorizationTarget = { hostId: string } | { groupId: string };

export interface AuthorizationRecord {
  id: string;
  /** SHA256:... of the key. */
  fingerprint: string;
  /** The public key line (`type base64 [comment]`) written to hosts: never a private key. */
  publicKey: string;
  source: AuthorizationKeySource;
  /** The account on the target host(s) the key may log in as. */
  account: string;
  target: AuthorizationTarget;
  /** Options as given (the expiry is added as `expiry-time` when the line is written). */
  options: AuthorizedKeyOption[];
  expiresAt: number | null;
  onDrift: DriftAction;
  state: AuthorizationState;
  createdBy: string;
  createdAt: number;
  /** Who removed it (or `system` for an expiry), and when; null while active. */
  removedBy: string | null;
  removedAt: number | null;
  updatedAt: number;
}

/**
 * pending: a job is placing it; present: the line is there as written; failed: the job
 * failed (see error); blocked: a line Keywarden did not write already holds the key for
 * that account, so nothing was written (and nothing is Keywarden's to remove there);
 * removing: a job is taking it off; removed: gone (or dropped after drift).
 */
export const PLACEMENT_STATES = [
  'pending',
  'present',
  'failed',
  'blocked',
  'removing',
  'removed',
] as const;
export type PlacementState = (typeof PLACEMENT_STATES)[number];

export interface PlacementRecord {
  authorizationId: string;
  hostId: string;
  /** Copied from the authorization so "is this line covered?" is one indexed lookup. */
  account: string;
  fingerprint: string;
  /** The options field of the line as written there (expiry-time included). */
  options: AuthorizedKeyOption[];
  state: PlacementState;
  /** The last job that placed or removed it. */
  jobId: string | null;
  /** When a job or a scan last saw the line on the host as written. */
  confirmedAt: number | null;
  error: string | null;
  updatedAt: number;
}

export interface AuthorizationFilter {
  state?: AuthorizationState[];
  fingerprint?: string;
  account?: string;
  hostId?: string;
  groupId?: string;
}

export interface PlacementFilter {
  authorizationId?: string;
  hostId?: string;
  account?: string;
  fingerprint?: string;
  state?: PlacementState[];
}
