/**
 * The one interface the controller keeps its state behind. Two adapters implement it
 * (sqlite, mongodb) and pass the same contract suite (test/integration/store).
 * Every job state change is a single-row / single-document conditional write, so no
 * transaction is needed and a stale worker cannot overwrite a job another one holds.
 */
import type {
  AlertContext,
  AlertEvent,
  AlertRecord,
  AlertState,
  AuditRecord,
  JobError,
  JobRecord,
  JobState,
  NewJob,
  RobotRecord,
  TokenRecord,
  WorkerRecord,
} from './records';
import type * as H from './host-store';
import type { AgentFleetRepositories } from './agent-store';
import type { HostCredentialRepository } from './credential-records';
import type { InventoryStore } from './inventory-store';
import type { AuthorizationRepository } from './authorization-store';
import type { AccessGraphRepository } from './access-graph-store';
import type { AccessReviewRepository } from './access-review-store';
import type * as R from './reporting-store';
import type {
  AuditFeedEntry,
  ExportCursorRepository,
  KeyQuarantineRepository,
} from './retirement-records';
import type { PolicyRepository } from './policy-store';
import type { NotificationRepository } from './notification-store';
import type { DirectoryRepository } from './directory-store';
import type { SessionRepository } from './session-store';
import type { SessionTextRepository } from './session-text-store';
import type { ApprovalRepository } from './approval-store';
import type { ArchiveRepositories, StoreStatsRepository } from './archive-store';
import type { RecordingBlobRepository } from './recording-blob-store';

export interface JobFilter {
  state?: JobState[];
  type?: string[];
  hostId?: string;
  parentId?: string;
  createdSince?: number;
  createdUntil?: number;
  trigger?: JobRecord['trigger'][];
}

export interface Page<T> {
  items: T[];
  /** Pass back as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Identifies the attempt a worker holds: writes for an older attempt are refused. */
export interface JobLease {
  id: string;
  attempt: number;
  workerId: string;
}

export interface ClaimRequest {
  workerId: string;
  /** Claim only these types, each with how many more may start now. */
  capacity: Record<string, number>;
  limit: number;
  leaseMs: number;
  now: number;
  /**
   * Most `bulk`-lane jobs this claim may start (absent: no cap). Due `normal` jobs are
   * taken first; bulk jobs only fill what is left, up to this many.
   */
  bulkLimit?: number;
}

export interface EnqueueResult {
  job: JobRecord;
  /** false when an active job with the same dedupe key already existed and is returned. */
  created: boolean;
}

export interface JobRepository {
  enqueue(job: NewJob, now: number): Promise<EnqueueResult>;
  enqueueMany(jobs: NewJob[], now: number): Promise<EnqueueResult[]>;
  get(id: string): Promise<JobRecord | null>;
  list(filter: JobFilter, page: { limit: number; after?: string }): Promise<Page<JobRecord>>;
  /** Atomically moves due queued jobs to running for this worker, highest priority first. */
  claim(req: ClaimRequest): Promise<JobRecord[]>;
  /** Extends the lease; `held: false` means the job is no longer this attempt's. */
  renewLease(
    lease: JobLease,
    leaseUntil: number,
    progress?: unknown,
  ): Promise<{ held: boolean; cancelRequested: boolean }>;
  complete(lease: JobLease, result: unknown, now: number): Promise<boolean>;
  /** Group commit: several completions in one durable write; one flag per item, in order. */
  completeMany(items: Array<{ lease: JobLease; result: unknown }>, now: number): Promise<boolean[]>;
  /** Ends the attempt with an error: back to queued at `retryAt`, or failed when null. */
  fail(lease: JobLease, error: JobError, retryAt: number | null, now: number): Promise<boolean>;
  /**
   * Gives the attempt back: the job is queued again for `runAt` and its attempt count is
   * as before the claim, because it could not start (its host is away until then), not
   * because it failed. `note` (the job's error while it waits) says why.
   */
  defer(lease: JobLease, runAt: number, note: JobError): Promise<boolean>;
  markCancelled(lease: JobLease, now: number): Promise<boolean>;
  /** The parent has created its children: it stays running without a lease until they end. */
  awaitChildren(lease: JobLease): Promise<boolean>;
  /** Completes a parent awaiting children when none is active; its result counts them. */
  finishParentIfDone(parentId: string, now: number): Promise<JobRecord | null>;
  countChildren(parentId: string): Promise<Record<JobState, number>>;
  /** A queued job is cancelled at once; a running one is flagged for its worker. */
  requestCancel(id: string, now: number): Promise<JobRecord | null>;
  /** A failed, cancelled or expired job is queued again with fresh attempts. */
  retry(id: string, now: number): Promise<JobRecord | null>;
  /**
   * Running jobs whose lease ran out: cancelled when a cancel was requested (it must not
   * run again), else queued again, or failed when attempts are used up.
   */
  reclaimExpiredLeases(
    now: number,
  ): Promise<{ requeued: string[]; failed: string[]; cancelled: string[] }>;
  /** Queued jobs whose deadline passed become expired. */
  expireOverdue(now: number): Promise<string[]>;
  /** Parents awaiting children with none active (a crash between child end and parent check). */
  listParentsReadyToFinish(limit: number): Promise<string[]>;
  /** Deletes ended jobs matching the criteria; returns how many. */
  purgeEnded(criteria: {
    finishedBefore: number;
    types?: string[];
    states?: JobState[];
  }): Promise<number>;
  countByTypeAndState(): Promise<Array<{ type: string; state: JobState; count: number }>>;
}

export interface WorkerRepository {
  upsert(worker: WorkerRecord): Promise<void>;
  heartbeat(id: string, now: number): Promise<void>;
  list(): Promise<WorkerRecord[]>;
  remove(id: string): Promise<void>;
  /** Removes workers silent since `before`; returns their ids. */
  removeStale(before: number): Promise<string[]>;
}

export type RobotPatch = Partial<
  Pick<
    RobotRecord,
    'instances' | 'intervalMs' | 'windowStart' | 'windowEnd' | 'enabled' | 'nextRunAt'
  >
>;

export interface RobotRepository {
  /** Creates the robot with these defaults if it does not exist; returns the stored record. */
  ensure(defaults: RobotRecord): Promise<RobotRecord>;
  get(type: string): Promise<RobotRecord | null>;
  list(): Promise<RobotRecord[]>;
  update(type: string, patch: RobotPatch, by: string, now: number): Promise<RobotRecord | null>;
  /** Moves nextRunAt forward only if it still equals `expectedNextRunAt` (one scheduler wins). */
  advance(
    type: string,
    expectedNextRunAt: number | null,
    next: { nextRunAt: number | null; lastStartedAt: number; lastJobId: string | null },
  ): Promise<boolean>;
}

export interface TokenRepository {
  create(token: TokenRecord): Promise<void>;
  findBySecretHash(hash: string): Promise<TokenRecord | null>;
  get(id: string): Promise<TokenRecord | null>;
  list(): Promise<TokenRecord[]>;
  revoke(id: string, now: number): Promise<TokenRecord | null>;
  count(): Promise<number>;
}

export interface AuditRepository {
  append(entry: Omit<AuditRecord, 'id'>): Promise<AuditRecord>;
  list(
    filter: { action?: string; subject?: string; since?: number },
    page: { limit: number; after?: string },
  ): Promise<Page<AuditRecord>>;
  /** Deletes entries recorded before `before` (the retention setting); returns how many. */
  purge(before: number): Promise<number>;
  /**
   * Entries in the order they were appended (not by `at`), after `after`: what SIEM export
   * reads. Entries from before migration 49 are not in it. Like the alert feed, MongoDB
   * serves an entry about a second after it is written (ids must settle first).
   */
  feed(after: string | undefined, limit: number): Promise<AuditFeedEntry[]>;
}

export interface AlertRepository {
  /** Opens an alert unless one with the same dedupe key is open; returns the open one. */
  raise(
    alert: Omit<
      AlertRecord,
      'id' | 'state' | 'createdAt' | 'updatedAt' | 'context' | 'stateReason' | 'stateBy'
    > & { context?: AlertContext },
    now: number,
  ): Promise<{ alert: AlertRecord; created: boolean }>;
  get(id: string): Promise<AlertRecord | null>;
  list(
    filter: { state?: AlertState[]; type?: string },
    page: { limit: number; after?: string },
  ): Promise<Page<AlertRecord>>;
  /** `note` says why and who (a dismissal's reason, "cause gone" from policy evaluation). */
  setState(
    id: string,
    state: AlertState,
    now: number,
    note?: { reason: string; by: string },
  ): Promise<AlertRecord | null>;
  /**
   * Alert changes (raised, resolved, dismissed, reopened) recorded after `after`, oldest
   * first, at most `limit`. With `after` undefined, from the beginning. The MongoDB store
   * serves an event about a second after it is written (ids must settle first).
   */
  events(after: string | undefined, limit: number): Promise<AlertEvent[]>;
  purge(criteria: { states: AlertState[]; updatedBefore: number }): Promise<number>;
  /** The newest alert (any state) with this dedupe key; null when none was ever raised. */
  latestByDedupeKey(dedupeKey: string): Promise<AlertRecord | null>;
  /**
   * Open and dismissed alerts whose dedupe key is in [from, to), by dedupe key: what
   * policy evaluation compares its findings with (served by a dedupe-key index).
   */
  listActiveInRange(range: { from: string; to: string }, limit?: number): Promise<AlertRecord[]>;
  /**
   * The dedupe keys of `listActiveInRange` without the rest of each alert: what a fleet-wide
   * evaluation compares its findings with, a batch of hosts at a time.
   */
  listActiveKeysInRange(
    range: { from: string; to: string },
    limit?: number,
  ): Promise<Array<{ id: string; dedupeKey: string; state: AlertState; updatedAt: number }>>;
  /**
   * `raise` for each of `raise` and `setState` for each of `setState`, in one durable write
   * where the store has transactions (one fsync for a host's or a batch's changes).
   * `created`: one flag per raise, false when an open alert had that dedupe key.
   */
  /**
   * Gives the open and dismissed alerts whose dedupe key is in [from, to) this severity
   * (an edited policy's alerts follow its new severity); returns how many changed.
   */
  setSeverityInRange(
    range: { from: string; to: string },
    severity: AlertRecord['severity'],
    now: number,
  ): Promise<number>;
  applyMany(
    changes: {
      raise: Array<Parameters<AlertRepository['raise']>[0]>;
      setState: Array<{ id: string; state: AlertState; note: { reason: string; by: string } }>;
    },
    now: number,
  ): Promise<{ created: boolean[] }>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  jobs: JobRepository;
  workers: WorkerRepository;
  robots: RobotRepository;
  tokens: TokenRepository;
  audit: AuditRepository;
  alerts: AlertRepository;
  hosts: H.HostRepository;
  hostGroups: H.HostGroupRepository;
  scanSchedule: H.ScanScheduleRepository;
  reportingData: H.ReportingDataRepository;
  expiringRecords: H.ExpiringRecordRepository;
  agentFleet: AgentFleetRepositories;
  hostCredentials: HostCredentialRepository;
  inventory: InventoryStore;
  authorizations: AuthorizationRepository;
  accessGraph: AccessGraphRepository;
  accessReviews: AccessReviewRepository;
  applications: R.ApplicationRepository;
  purgeRequests: R.PurgeRequestRepository;
  reverseDns: R.ReverseDnsRepository;
  keyQuarantines: KeyQuarantineRepository;
  exportCursors: ExportCursorRepository;
  policies: PolicyRepository;
  notifications: NotificationRepository;
  directory: DirectoryRepository;
  sessions: SessionRepository;
  sessionTexts: SessionTextRepository;
  approvals: ApprovalRepository;
  /** The data archiver's reads and deletes, its ledger and conciliation reports. */
  archive: ArchiveRepositories;
  /** Table and collection figures for the primary key monitor. */
  storeStats: StoreStatsRepository;
  /** Finished session recordings shared by every controller (MongoDB); absent on SQLite. */
  sessionRecordings?: RecordingBlobRepository;
  close(): Promise<void>;
}
