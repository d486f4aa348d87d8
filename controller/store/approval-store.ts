/**
 * The repository of approvals, approval policies, the IMAP inbox settings and collected
 * mail (approval-records.ts). Both adapters implement it and pass
 * test/integration/store/contract-approvals.ts.
 */
import type {
  Approver,
  ApprovalDecisionRecord,
  ApprovalTokenHash,
  ApprovalOutcome,
  ApprovalPolicyRecord,
  ApprovalRequestRecord,
  ApprovalState,
  ImapSettingsRecord,
  InboundMailRecord,
} from './approval-records';
import type { Page } from './store';

export interface ApprovalRequestFilter {
  state?: ApprovalState[];
  subjectKey?: string;
  /** Only requests whose deadline is before this (the expiry sweep). */
  expiresBefore?: number;
}

export interface ApprovalRepository {
  /** A duplicate id is a CONFLICT. */
  createRequest(req: ApprovalRequestRecord): Promise<void>;
  getRequest(id: string): Promise<ApprovalRequestRecord | null>;
  /** Newest first; `after` = the last id of the page before. */
  listRequests(
    filter: ApprovalRequestFilter,
    page: { limit: number; after?: string },
  ): Promise<Page<ApprovalRequestRecord>>;
  /**
   * Moves the request to `state` only if it is in one of `from`; `patch` sets the outcome,
   * the decision time, who cancelled it, or detaches the subject. Returns the record
   * written, or null. A compare-and-set on every server: of concurrent transitions from
   * the same state, exactly one is written.
   */
  transition(
    id: string,
    from: ApprovalState[],
    state: ApprovalState,
    patch: {
      decidedAt?: number;
      outcome?: ApprovalOutcome;
      subjectKey?: null;
      cancellation?: ApprovalRequestRecord['cancellation'];
    },
    now: number,
  ): Promise<ApprovalRequestRecord | null>;
  /** Drops the subject key (the access group no longer wants it), whatever the state. */
  detachSubject(id: string, now: number): Promise<void>;
  /**
   * Records one approver's decision; false (nothing written) when that approver has
   * decided already. A unique key decides, so of two racing decisions exactly one counts.
   */
  addDecision(decision: ApprovalDecisionRecord): Promise<boolean>;
  /** In the order they were made. */
  listDecisions(requestId: string): Promise<ApprovalDecisionRecord[]>;
  /** True for exactly one caller per request: the one that applies the approved grant. */
  claimApplication(requestId: string, now: number): Promise<boolean>;

  /**
   * True for exactly one caller per approver of a request: the one that sends that
   * approver's reminder (so it is sent at most once, whoever races).
   */
  claimReminder(requestId: string, approver: string, now: number): Promise<boolean>;
  /**
   * Adds token hashes (a reminder's fresh links) and approvers (an escalation, who also
   * count toward the rules named in `ruleApprovers`), only while the request is pending and,
   * when `expectApprovers` is given, still has that many approvers (a token names its
   * approver by position). A compare-and-set like `transition`: returns the record
   * written, or null when it is no longer pending or was amended meanwhile.
   */
  amendPending(
    id: string,
    add: {
      tokens: ApprovalTokenHash[];
      approvers?: Approver[];
      ruleApprovers?: Array<{ source: string; approvers: string[] }>;
      expectApprovers?: number;
    },
    now: number,
  ): Promise<ApprovalRequestRecord | null>;

  /** Creates or replaces the host group's policy. */
  putPolicy(policy: ApprovalPolicyRecord): Promise<void>;
  getPolicy(hostGroupId: string): Promise<ApprovalPolicyRecord | null>;
  /** By host group id. */
  listPolicies(): Promise<ApprovalPolicyRecord[]>;
  removePolicy(hostGroupId: string): Promise<boolean>;

  getImap(): Promise<ImapSettingsRecord | null>;
  putImap(settings: ImapSettingsRecord | null): Promise<void>;
  /** Stores the message unless one with its id exists; true when it was new. */
  addInbound(mail: InboundMailRecord): Promise<boolean>;
  /** Oldest first. */
  listInbound(
    filter: { state?: InboundMailRecord['state'] },
    limit: number,
  ): Promise<InboundMailRecord[]>;
  /** The message is processed: its sealed content is dropped and the outcome kept. */
  markInboundProcessed(id: string, outcome: string, now: number): Promise<boolean>;
  /** Deletes processed messages collected before `before`; returns how many. */
  purgeInbound(before: number): Promise<number>;
}
