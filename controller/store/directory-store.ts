/**
 * The repository of people, directory settings, access groups and access grants
 * (directory-records.ts). Both adapters implement it and pass
 * test/integration/store/contract-directory.ts.
 */
import type {
  AccessGrantRecord,
  AccessGroupRecord,
  LdapSettingsRecord,
  PersonRecord,
  PersonState,
} from './directory-records';

export interface DirectoryRepository {
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
  /** Creates or replaces the grant by id. */
  putGrant(grant: AccessGrantRecord): Promise<void>;
  /** By id. */
  listGrants(filter?: { accessGroupId?: string; personId?: string }): Promise<AccessGrantRecord[]>;
  removeGrant(id: string): Promise<boolean>;
}
