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
  updatedAt: number;
  updatedBy: string;
}

export interface AccessGroupRecord {
  id: string;
  /** The directory group's name (cn). */
  directoryGroup: string;
  hostGroupId: string;
  account: string;
  options: AuthorizedKeyOption[];
  createdBy: string;
  createdAt: number;
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
}

export const accessGrantId = (accessGroupId: string, personId: string, fingerprint: string) =>
  `${accessGroupId}/${personId}/${fingerprint}`;
