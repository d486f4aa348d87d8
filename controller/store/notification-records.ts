/**
 * Email notification: the SMTP server to send through, the routing rules that say who
 * hears about which alerts, the outbox of messages (one record per email, its state and
 * Message-ID, so a retry after a crash knows whether the server already accepted it),
 * and the cursors of feed consumers. Times are ms since the epoch.
 */
import type { AlertEventKind, AlertSeverity } from './records';

export const SMTP_SECURITY = ['starttls', 'tls', 'none'] as const;
/** starttls: plain connect, then STARTTLS required; tls: TLS from the first byte; none: no TLS. */
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

export interface SmtpSettingsRecord {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  /** The password sealed with the master key (controller/secrets); never stored in clear. */
  passwordSealed: string | null;
  /** The sender address (From:). */
  from: string;
  /** PEM certificates trusted for the server besides the system's (a private CA). */
  caCertificate: string | null;
  updatedAt: number;
  updatedBy: string;
}

export interface NotificationRuleRecord {
  id: string;
  name: string;
  recipients: string[];
  /** Alerts of this severity or worse match. */
  minSeverity: AlertSeverity;
  /** Each list, when not empty, must contain the alert's value (empty: any). */
  policyIds: string[];
  groupIds: string[];
  applicationIds: string[];
  alertTypes: string[];
  /** Which changes of an alert are sent (default raised and reopened). */
  events: AlertEventKind[];
  createdAt: number;
  createdBy: string;
}

export const OUTBOX_STATES = ['queued', 'sending', 'sent', 'failed'] as const;
/**
 * queued: created, its send-email job queued; sending: an attempt is (or was, when the
 * controller died) talking to the server; sent: the server answered 250 to the data;
 * failed: refused for good or out of attempts.
 */
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface OutboxMessage {
  /** Deterministic: from the event range and the recipient, so a replay finds it. */
  id: string;
  /** The Message-ID header, `<id@domain>`, the same on every attempt. */
  messageId: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  alertIds: string[];
  /** The alert events it tells of: after `fromCursor` up to and including `toCursor`. */
  fromCursor: string | null;
  toCursor: string;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
  /** What the server answered when it accepted the message. */
  serverResponse: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
}

export type NewOutboxMessage = Pick<
  OutboxMessage,
  | 'id'
  | 'messageId'
  | 'recipient'
  | 'subject'
  | 'text'
  | 'html'
  | 'alertIds'
  | 'fromCursor'
  | 'toCursor'
>;

/**
 * Where a consumer of the alert feed is: `cursor` is the last event it has fully handed
 * on; `pendingTo`, when set, is the end of a range it decided on and may not have handed
 * on completely (a crash): the next run redoes exactly that range.
 */
export interface FeedCursorRecord {
  consumer: string;
  cursor: string | null;
  pendingTo: string | null;
  updatedAt: number;
}
