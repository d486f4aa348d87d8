/**
 * The repository of policies (policy-records.ts). Both adapters implement it and pass
 * test/integration/store/contract-policies.ts.
 */
import type { PolicyInput, PolicyRecord } from './policy-records';

export interface PolicyRepository {
  /** Inserts version 1; a duplicate id is a CONFLICT. */
  create(id: string, input: PolicyInput, by: string, now: number): Promise<PolicyRecord>;
  /**
   * Inserts it unless a policy with that id exists, removed or not (defaults seeded at
   * start must not come back after an operator removed them). True when it was inserted.
   */
  createIfAbsent(id: string, input: PolicyInput, by: string, now: number): Promise<boolean>;
  /** The current version; removed ones too (removedAt says so). */
  get(id: string): Promise<PolicyRecord | null>;
  /** Policies in force (not removed), by id. */
  list(opts?: { includeRemoved?: boolean }): Promise<PolicyRecord[]>;
  /**
   * Writes version `expectedVersion + 1` and keeps the current one among the versions.
   * CONFLICT when the policy is at another version (an edit raced this one) or removed;
   * null when there is no such policy.
   */
  update(
    id: string,
    input: PolicyInput,
    expectedVersion: number,
    by: string,
    now: number,
  ): Promise<PolicyRecord | null>;
  /** Marks it removed (a new version recording who and when); null when absent or removed. */
  remove(id: string, by: string, now: number): Promise<PolicyRecord | null>;
  /** Every version, oldest first, the current one last. */
  versions(id: string): Promise<PolicyRecord[]>;
}
