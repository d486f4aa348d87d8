/**
 * Repositories of the reporting jobs (migration 47): applications and their members,
 * purge requests that need a second admin, and the reverse DNS cache of key-activity
 * source addresses. Both adapters implement them and pass
 * test/integration/store/contract-reporting.ts.
 */
import type { Page } from './store';

/**
 * One association rule. Every condition given must hold; a rule with none is refused by
 * the API. Patterns are OpenSSH wildcards (`*`, `?`), whole-string.
 */
export interface ApplicationRule {
  /** The host is in this host group. */
  groupId?: string;
  /** The host's name matches. */
  hostPattern?: string;
  /** Members are the host's accounts whose name matches, not the whole host. */
  accountPattern?: string;
}

export interface ApplicationRecord {
  id: string;
  name: string;
  description: string;
  rules: ApplicationRule[];
  createdAt: number;
  updatedAt: number;
  /** When its membership was last recomputed (null: never yet). */
  membersComputedAt: number | null;
}

/** A host (account null: the whole host) or one account on a host that belongs to an application. */
export interface ApplicationMember {
  hostId: string;
  account: string | null;
}

export interface ApplicationRepository {
  /** A name already taken is a CONFLICT. */
  create(
    app: Pick<ApplicationRecord, 'id' | 'name' | 'description' | 'rules'>,
    now: number,
  ): Promise<ApplicationRecord>;
  get(id: string): Promise<ApplicationRecord | null>;
  /** Every application, by name (there are few: they are defined by people). */
  list(): Promise<ApplicationRecord[]>;
  /** A name already taken is a CONFLICT. */
  update(
    id: string,
    patch: Partial<Pick<ApplicationRecord, 'name' | 'description' | 'rules'>>,
    now: number,
  ): Promise<ApplicationRecord | null>;
  /** Removes the application and its members. */
  remove(id: string): Promise<boolean>;
  /** Makes the members exactly these; returns how many there are now. */
  setMembers(id: string, members: ApplicationMember[], now: number): Promise<number>;
  /** Members ordered by host then account; `after` is the cursor of the page before. */
  listMembers(
    id: string,
    page: { limit: number; after?: string },
  ): Promise<Page<ApplicationMember>>;
  /**
   * Ids of the applications the host belongs to: as a whole, or (given `account`) through
   * that account. Served by a (host, account) index.
   */
  ofHost(hostId: string, account?: string): Promise<string[]>;
  /** Every membership of the host: account '' for the host as a whole. */
  membershipsOfHost(hostId: string): Promise<Array<{ account: string; applicationId: string }>>;
}

export type PurgeKind = 'audit' | 'key-activity';
export const PURGE_KINDS: readonly PurgeKind[] = ['audit', 'key-activity'];
export type PurgeState = 'pending' | 'approved' | 'rejected' | 'done' | 'failed';

export interface PurgeRequestRecord {
  id: string;
  kind: PurgeKind;
  /** Records older than this (ms) are deleted. */
  before: number;
  reason: string;
  state: PurgeState;
  requestedBy: string;
  /** The token that asked: approval must come from another one. */
  requestedByToken: string;
  requestedAt: number;
  decidedBy: string | null;
  decidedByToken: string | null;
  decidedAt: number | null;
  jobId: string | null;
  purged: number | null;
  error: string | null;
  finishedAt: number | null;
}

export interface PurgeRequestRepository {
  create(
    req: Pick<
      PurgeRequestRecord,
      'kind' | 'before' | 'reason' | 'requestedBy' | 'requestedByToken' | 'requestedAt'
    >,
  ): Promise<PurgeRequestRecord>;
  get(id: string): Promise<PurgeRequestRecord | null>;
  /** Newest first. */
  list(
    filter: { state?: PurgeState[] },
    page: { limit: number; after?: string },
  ): Promise<Page<PurgeRequestRecord>>;
  /** Approves or rejects a pending request; null when it is no longer pending. */
  decide(
    id: string,
    decision: { state: 'approved' | 'rejected'; by: string; byToken: string; at: number },
  ): Promise<PurgeRequestRecord | null>;
  setJob(id: string, jobId: string): Promise<void>;
  /** Ends an approved request; null when it is not approved (already done, say). */
  finish(
    id: string,
    end: { state: 'done' | 'failed'; purged: number | null; error: string | null; at: number },
  ): Promise<PurgeRequestRecord | null>;
}

/** What reverse DNS said about a source address; `name` null is a cached negative answer. */
export interface ReverseDnsRecord {
  address: string;
  name: string | null;
  /** Why there is no name (NXDOMAIN, timeout, ...); null when there is one. */
  error: string | null;
  lookedUpAt: number;
  /** Looked up again after this. */
  expiresAt: number;
}

export interface ReverseDnsRepository {
  /** Creates or replaces the entries. */
  put(records: ReverseDnsRecord[]): Promise<void>;
  /** The entries of these addresses that exist (expired ones too). */
  get(addresses: string[]): Promise<ReverseDnsRecord[]>;
}
