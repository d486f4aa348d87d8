/**
 * The repository of email notification (notification-records.ts). Both adapters implement
 * it and pass test/integration/store/contract-notifications.ts.
 */
import type {
  FeedCursorRecord,
  NewOutboxMessage,
  NotificationRuleRecord,
  OutboxMessage,
  OutboxState,
  SmtpSettingsRecord,
} from './notification-records';
import type { Page } from './store';

export interface NotificationRepository {
  getSmtp(): Promise<SmtpSettingsRecord | null>;
  /** Replaces the settings whole. */
  putSmtp(settings: SmtpSettingsRecord): Promise<void>;
  /** A duplicate id is a CONFLICT. */
  addRule(rule: NotificationRuleRecord): Promise<NotificationRuleRecord>;
  /** By id. */
  listRules(): Promise<NotificationRuleRecord[]>;
  removeRule(id: string): Promise<boolean>;
  /** Stores the message as queued unless one with its id exists: then that one is returned. */
  addMessage(
    message: NewOutboxMessage,
    now: number,
  ): Promise<{ message: OutboxMessage; created: boolean }>;
  getMessage(id: string): Promise<OutboxMessage | null>;
  /** Newest first; `after` = the last id of the page before. */
  listMessages(
    filter: { state?: OutboxState[] },
    page: { limit: number; after?: string },
  ): Promise<Page<OutboxMessage>>;
  /**
   * A queued, sending or failed (an operator retries it) message becomes sending, one
   * attempt more; null (and nothing changed) when it is sent or does not exist.
   */
  markSending(id: string, now: number): Promise<OutboxMessage | null>;
  /** The server accepted it: sent, with its answer. False when it was not sending. */
  markSent(id: string, serverResponse: string, now: number): Promise<boolean>;
  /** Keeps the error of a failed attempt; `final` moves it to failed. */
  noteFailure(id: string, error: string, final: boolean, now: number): Promise<void>;
  /** Deletes sent and failed messages created before `before`; returns how many. */
  purgeMessages(before: number): Promise<number>;
  getCursor(consumer: string): Promise<FeedCursorRecord | null>;
  putCursor(rec: FeedCursorRecord): Promise<void>;
}
