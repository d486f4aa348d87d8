/**
 * Approvals (issue 16): a grant that must be approved before it is made. An approval
 * request holds what was asked (an authorization as an admin asked for it, or the grant an
 * access group would make), who asked, who may decide and how many approvals it needs. It
 * stays `pending` — nothing stored as an authorization, no job queued, no key on a host —
 * until its rules are met (`approved`, then applied once), one approver denies (`denied`),
 * or its deadline passes (`expired`). Decisions are records of their own, one per approver
 * (a unique key decides), so two approvers deciding at once cannot lose one another's.
 *
 * Approvers decide through the API (their token's name), a link in the email (a signed,
 * single-use token) or a reply to it read from the inbox (the same token, from their
 * address). Only the sha256 of each token is stored. Times are ms since the epoch.
 */
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import type { AuthorizationTarget, DriftAction } from './authorization-records';

export const APPROVAL_STATES = [
  'pending',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'failed',
] as const;
/**
 * pending: waiting for decisions; approved: its rules are met (applied when `outcome` is
 * set); denied: an approver said no; expired: the deadline passed first; cancelled: what it
 * asked for is no longer wanted (the person left the access group); failed: approved, but
 * the grant could not be made (the host group is gone, the expiry passed): see `outcome`.
 */
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/**
 * Who may decide. `name` is what the API matches against the caller's token name; `email`
 * is where the request is sent and the only address whose replies count. From a person of
 * the directory (`personId`) or given as name and address.
 */
export interface Approver {
  name: string;
  email: string;
  personId: string | null;
}

/** "N approvals from these approvers": a request is approved when every rule is met. */
export interface ApprovalRule {
  /** `policy:<host group>` or `request`. */
  source: string;
  /** Approver names (Approver.name). */
  approvers: string[];
  required: number;
}

/** The authorization as asked for (a private key is named by host and path, never held). */
export interface RequestedAuthorization {
  publicKey?: string;
  privateKey?: { hostId: string; path: string };
  account: string;
  hostId?: string;
  groupId?: string;
  options: AuthorizedKeyOption[];
  expiresAt?: number;
  onDrift?: DriftAction;
}

export type ApprovalSubject =
  | { kind: 'authorization'; request: RequestedAuthorization }
  | {
      kind: 'access-grant';
      accessGroupId: string;
      personId: string;
      fingerprint: string;
      /** accessGrantId(...) of the grant it would make. */
      grantId: string;
    };

export const APPROVAL_ACTIONS = ['approve', 'deny', 'reply'] as const;
/** approve/deny: the email's links; reply: the token a reply by email carries. */
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

export interface ApprovalTokenHash {
  approver: string;
  action: ApprovalAction;
  /** sha256 hex of the whole token. */
  hash: string;
}

export interface ApprovalOutcome {
  authorizationId: string | null;
  jobId: string | null;
  /** Why an approved request could not be applied (state failed). */
  error: string | null;
  at: number;
}

export interface ApprovalRequestRecord {
  id: string;
  subject: ApprovalSubject;
  /** `access-grant:<grant id>` while the access group still wants it; null otherwise. */
  subjectKey: string | null;
  /** What the approvers are shown. */
  fingerprint: string;
  account: string;
  target: AuthorizationTarget;
  /** Who asked: the API caller's actor, or the robot's. */
  requester: string;
  reason: string | null;
  approvers: Approver[];
  rules: ApprovalRule[];
  tokens: ApprovalTokenHash[];
  state: ApprovalState;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  outcome: ApprovalOutcome | null;
  updatedAt: number;
  /**
   * Who cancelled it by hand and why (state cancelled through the API); absent otherwise,
   * and on requests cancelled because an access group no longer wants the grant.
   */
  cancellation?: { by: string; reason: string; at: number };
  /**
   * Bumped by every change: the MongoDB store claims each version once, so of two changes
   * made from the same version exactly one is written (mongo-approval-versions.ts).
   * Absent (0) on requests stored before it existed.
   */
  version?: number;
}

export const DECISION_VIAS = ['api', 'link', 'email'] as const;
export type DecisionVia = (typeof DECISION_VIAS)[number];

export interface ApprovalDecisionRecord {
  requestId: string;
  approver: string;
  decision: 'approve' | 'deny';
  via: DecisionVia;
  /** The API caller's actor, or the address a reply came from. */
  by: string;
  /** sha256 of the token used (link or reply); null through the API. */
  tokenHash: string | null;
  at: number;
}

/** "Grants to host group G need N approvals from these approvers." One per host group. */
export interface ApprovalPolicyRecord {
  hostGroupId: string;
  approvers: Approver[];
  required: number;
  /** How long a request waits for its decisions. */
  ttlMs: number;
  /**
   * Asked too, when the reminders go out (KEYWARDEN_APPROVAL_REMIND_AT), of requests still
   * pending: each counts toward this policy's rule like its approvers. Absent: nobody.
   */
  escalateTo?: Approver[];
  createdBy: string;
  createdAt: number;
}

export const IMAP_SECURITY = ['tls', 'starttls'] as const;
export type ImapSecurity = (typeof IMAP_SECURITY)[number];

/** The inbox replies to approval requests arrive in; the password sealed, never clear. */
export interface ImapSettingsRecord {
  host: string;
  port: number;
  security: ImapSecurity;
  username: string;
  passwordSealed: string;
  mailbox: string;
  /** Where read messages are moved (created when missing); null: left in place, flagged. */
  processedMailbox: string | null;
  /** PEM certificates trusted for the server besides the system's. */
  caCertificate: string | null;
  updatedAt: number;
  updatedBy: string;
}

export const INBOUND_STATES = ['new', 'processed'] as const;
export type InboundState = (typeof INBOUND_STATES)[number];

/**
 * One message the Email collector took from the inbox, waiting for Reply to email request.
 * Its subject and text are sealed (they may carry an unused token) and dropped once it is
 * processed; the outcome says what came of it.
 */
export interface InboundMailRecord {
  /** From the mailbox, its UIDVALIDITY and the message's UID: collected once. */
  id: string;
  /** The envelope sender address, lower case. */
  from: string;
  /** The Message-ID header, when it had one. */
  messageId: string | null;
  /** `{subject, text}` sealed with the master key; null once processed. */
  sealed: string | null;
  state: InboundState;
  /** What came of it: `approved REQ`, `refused: ...`, `no approval token`. */
  outcome: string | null;
  collectedAt: number;
  processedAt: number | null;
}
