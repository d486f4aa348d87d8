/**
 * People and the directory they come from (issue 16). A person is who owns keys: synced
 * from an LDAP directory (or AD) by the ldap-sync robot, or given keys by hand through the
 * API. An access group maps a directory group to a host group and account; the
 * access-groups-processing robot turns its members' keys into authorizations and records
 * each as an access grant, so the authorization can be found again and removed when the
 * person leaves the group or the directory.
 */
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';

export type PersonState = 'active' | 'left';

export interface PersonKey {
  /** The public key line as given (type, base64, comment). */
  publicKey: string;
  /** SHA256:… of the key, as authorizations record it. */
  fingerprint: string;
  /** From the directory's sshPublicKey attribute (replaced at each sync) or uploaded. */
  source: 'directory' | 'api';
}

export interface PersonRecord {
  id: string;
  /** The directory's stable id (entryUUID) when it has one, else the DN. */
  directoryId: string;
  dn: string;
  /** The login name in the directory (uid / sAMAccountName). */
  uid: string;
  name: string;
  email: string | null;
  state: PersonState;
  keys: PersonKey[];
  /** Names (cn) of the directory groups the person is a member of, sorted. */
  groups: string[];
  createdAt: number;
  updatedAt: number;
  /** When the sync last saw the person gone or disabled. */
  leftAt: number | null;
  /** Why they left: disabled (still listed) or gone from the search; absent in older records. */
  leftReason?: 'disabled' | 'gone' | null;
}

/** How ldap-sync reaches the directory. The bind password is sealed, never stored clear. */
export interface LdapSettingsRecord {
  /** ldap://host:port (upgraded with StartTLS when startTls) or ldaps://host:port. */
  url: string;
  startTls: boolean;
  /** PEM CA certificates the server's certificate must chain to (pinned). */
  caCertificate: string | null;
  bindDn: string;
  bindPasswordSealed: string | null;
  userBase: string;
  userFilter: string;
  groupBase: string;
  groupFilter: string;
  /** Entries per page of every search (simple paged results control); absent: 500. */
  pageSize?: number;
  /** How deep groups in groups are followed (manual expansion); absent: 10. */
  nestingDepth?: number;
  /** 'auto' asks the root DSE whether the server is Active Directory; absent: 'auto'. */
  serverKind?: 'auto' | 'ad' | 'ldap';
  /** Read only what changed since the last sync where the server allows; absent: true. */
  incremental?: boolean;
  /** Every N-th run reads everything (absent: 12); 1 makes every run full. */
  fullSyncEvery?: number;
  /** A regex with one capture group applied to key comments; absent or null: off. */
  keyCommentPattern?: string | null;
  /** What the captured text is compared with (case-insensitively); absent: 'uid'. */
  keyCommentField?: 'uid' | 'email';
  /** 'uid': a fleet account named as a person's uid is theirs; 'mapping': only explicit mappings. */
  accountMatch?: 'uid' | 'mapping';
  updatedAt: number;
  updatedBy: string;
}

export interface AccessGroupRecord {
  id: string;
  /** The directory group's name (cn); null for an access group of listed people only. */
  directoryGroup: string | null;
  /** People (ids) in the access group by hand, besides the directory group's members. */
  members?: string[];
  hostGroupId: string;
  account: string;
  options: AuthorizedKeyOption[];
  /**
   * Where members may log in from: sshd `from=` patterns (addresses, CIDRs, host names,
   * `!` to exclude), written on every grant's line. Absent: from anywhere (or as options say).
   */
  from?: string[];
  /** When the grants hold (access-windows.ts); absent: always. */
  schedule?: AccessSchedule;
  createdBy: string;
  createdAt: number;
}

export type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';

/** A daily window in the schedule's time zone; an end at or before the start ends the next day. */
export interface AccessWindow {
  days: Weekday[];
  /** HH:MM */
  start: string;
  /** HH:MM, or 24:00 */
  end: string;
}

export interface AccessSchedule {
  /** A named IANA zone (Europe/Berlin): the windows are its wall-clock time, DST included. */
  timeZone: string;
  windows: AccessWindow[];
  /** The windows starting on one weekday hold at most this many hours; a stretch is cut after it. */
  maxHoursPerDay?: number;
}

/** One authorization created for one key of one person by one access group. */
export interface AccessGrantRecord {
  /** accessGroupId/personId/fingerprint: one grant per key, whatever the runs. */
  id: string;
  accessGroupId: string;
  personId: string;
  fingerprint: string;
  authorizationId: string;
  createdAt: number;
  /**
   * Of an access group with a schedule: the end of the window the authorization was made for
   * (also its expiry-time). The grant stands while the person is a member; its authorization
   * is made at each window's opening and removed at its close.
   */
  windowEndsAt?: number;
  /** The window closed and its authorization was removed; the next window makes a new one. */
  windowClosed?: boolean;
  /** When the run that closed the window queued the removal of its authorization. */
  windowClosedAt?: number;
  /**
   * Claimed (claimGrant) and its authorization not yet recorded as made: a grant left so
   * long after its claim is checked (its maker died between the two writes).
   */
  placing?: boolean;
}

/**
 * The claim of one window of one grant: whoever inserts it makes that window's
 * authorization, so two controllers processing at once cannot both make it.
 */
export interface AccessGrantWindowClaim {
  /** grantId@windowEndsAt */
  id: string;
  grantId: string;
  windowEndsAt: number;
  authorizationId: string;
  at: number;
}

export const accessGrantId = (accessGroupId: string, personId: string, fingerprint: string) =>
  `${accessGroupId}/${personId}/${fingerprint}`;

/** How far an incremental sync has read: AD's USN, or any other server's modifyTimestamp. */
export interface DirectorySyncMark {
  attribute: 'uSNChanged' | 'modifyTimestamp';
  /** uSNChanged: the server's highestCommittedUSN when the last read began; else the latest modifyTimestamp (generalized time) read. */
  value: string;
}

/**
 * Where the last sync left off (one record). Changing the LDAP settings (another server,
 * filter or base) makes the next sync a full one: the mark belongs to the settings it was
 * read with (`settingsUpdatedAt`).
 */
export interface DirectorySyncStateRecord {
  settingsUpdatedAt: number;
  serverKind: 'ad' | 'ldap';
  mark: DirectorySyncMark | null;
  /** Incremental runs since the last full one. */
  runsSinceFull: number;
  lastFullAt: number | null;
  lastRunAt: number;
  /** What went over a bound on what the directory sends (audited once when new); absent: nothing. */
  limitsExceeded?: string[];
}

/** How a key found in the fleet was attributed to a person. */
export type KeyOwnerMethod = 'directory' | 'uploaded' | 'comment' | 'manual';

/**
 * A key (by fingerprint) found in the fleet and the person it belongs to. `manual`
 * attributions are an admin's and are never replaced by the automatic ones, which are
 * recomputed at every sync: `directory` (the person's sshPublicKey), `uploaded` (a key given
 * to the person with `people add-key`), `comment` (the key's comment matched the pattern).
 */
export interface KeyOwnerRecord {
  fingerprint: string;
  personId: string;
  method: KeyOwnerMethod;
  /** The comment that matched, or the admin's note. */
  detail: string | null;
  by: string;
  at: number;
}

/**
 * A fleet account (host, account name) matched to a person: by the account name being the
 * person's uid, or by an explicit mapping. `departed` while the person has left: the
 * account outlived its owner and is shown and alerted on.
 */
export interface AccountOwnerRecord {
  /** hostId|account */
  id: string;
  hostId: string;
  account: string;
  personId: string;
  method: 'uid' | 'mapping';
  departed: boolean;
  /** When it was first matched, and when it was first seen departed. */
  since: number;
  departedAt: number | null;
}

/** An admin's statement that an account name (on one host, or on every host) is this person's. */
export interface AccountMappingRecord {
  id: string;
  account: string;
  /** null: the account of that name on every host. */
  hostId: string | null;
  personId: string;
  createdBy: string;
  createdAt: number;
}

export const accountOwnerId = (hostId: string, account: string) => `${hostId}|${account}`;
