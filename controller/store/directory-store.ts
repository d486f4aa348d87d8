/**
 * The repository of people, directory settings, access groups and access grants
 * (directory-records.ts). Both adapters implement it and pass
 * test/integration/store/contract-directory.ts.
 */
import type {
  AccessGrantRecord,
  AccessGrantWindowClaim,
  AccessGroupRecord,
  AccountMappingRecord,
  AccountOwnerRecord,
  DirectorySyncStateRecord,
  KeyOwnerRecord,
  LdapSettingsRecord,
  PersonRecord,
  PersonState,
} from './directory-records';

export interface DirectoryRepository extends DirectoryLinksRepository {
  getLdap(): Promise<LdapSettingsRecord | null>;
  /** Replaces the settings whole. */
  putLdap(settings: LdapSettingsRecord): Promise<void>;
  /** Creates or replaces the person by id. */
  putPerson(person: PersonRecord): Promise<void>;
  getPerson(id: string): Promise<PersonRecord | null>;
  /** By name, then id. */
  listPeople(filter?: { state?: PersonState }): Promise<PersonRecord[]>;
  /** A duplicate id is a CONFLICT. */
  addAccessGroup(group: AccessGroupRecord): Promise<AccessGroupRecord>;
  getAccessGroup(id: string): Promise<AccessGroupRecord | null>;
  /** By id. */
  listAccessGroups(): Promise<AccessGroupRecord[]>;
  removeAccessGroup(id: string): Promise<boolean>;
  /** Replaces an existing access group whole; false when there is none with that id. */
  replaceAccessGroup(group: AccessGroupRecord): Promise<boolean>;
  /** Creates or replaces the grant by id. */
  putGrant(grant: AccessGrantRecord): Promise<void>;
  /** By id. */
  listGrants(filter?: { accessGroupId?: string; personId?: string }): Promise<AccessGrantRecord[]>;
  removeGrant(id: string): Promise<boolean>;
  /**
   * Inserts the grant unless one with its id exists: true for the one caller that made it.
   * An insert of an existing id fails atomically on every store, so two controllers
   * processing the access groups at once cannot both make a member's grant.
   */
  claimGrant(grant: AccessGrantRecord): Promise<boolean>;
  /** As claimGrant, for the authorization of one window of a standing grant. */
  claimGrantWindow(claim: AccessGrantWindowClaim): Promise<boolean>;
  /** Removes the claims of windows that ended before `before`; how many. */
  pruneGrantWindowClaims(before: number): Promise<number>;
}

/** Where the last sync left off, and what ties people to keys and accounts in the fleet. */
export interface DirectoryLinksRepository {
  getSyncState(): Promise<DirectorySyncStateRecord | null>;
  /** Replaces the state whole. */
  putSyncState(state: DirectorySyncStateRecord): Promise<void>;
  /** Creates or replaces the attribution of a fingerprint (one owner per key). */
  putKeyOwner(owner: KeyOwnerRecord): Promise<void>;
  removeKeyOwner(fingerprint: string): Promise<boolean>;
  getKeyOwner(fingerprint: string): Promise<KeyOwnerRecord | null>;
  /** By fingerprint. */
  listKeyOwners(filter?: { personId?: string }): Promise<KeyOwnerRecord[]>;
  /** Creates or replaces by id (hostId|account). */
  putAccountOwner(owner: AccountOwnerRecord): Promise<void>;
  removeAccountOwner(id: string): Promise<boolean>;
  /** By id (host, then account). */
  listAccountOwners(filter?: {
    personId?: string;
    departed?: boolean;
  }): Promise<AccountOwnerRecord[]>;
  /** A duplicate id is a CONFLICT. */
  addAccountMapping(mapping: AccountMappingRecord): Promise<AccountMappingRecord>;
  removeAccountMapping(id: string): Promise<boolean>;
  /** By id. */
  listAccountMappings(): Promise<AccountMappingRecord[]>;
}
