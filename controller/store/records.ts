/**
 * The records Keywarden keeps. Glossary:
 * - host: a machine whose SSH access is managed, reached through an agent or over SSH (agentless).
 * - account: a local user on a host (from /etc/passwd), who may own keys.
 * - key: an SSH public key found in an authorized_keys file, or a private key file.
 * - authorization: the fact that a key may log in as an account on a host (an authorized_keys line).
 * - job: one unit of asynchronous work of a registered type, queued, claimed by a worker and ended.
 * - robot: a long-lived kind of work (a job type) with a number of instances, an interval and a window.
 * - worker: a controller process that claims and runs jobs under a renewed lease.
 * - agent: the keywarden-agent process on a managed host, connected over mutual TLS.
 * - ICB: the initial configuration block an agent enrolls with.
 * Times are milliseconds since the epoch; ids are time-ordered strings.
 */
export const JOB_STATES = [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'expired',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_JOB_STATES: readonly JobState[] = [
  'completed',
  'failed',
  'cancelled',
  'expired',
];
export const isFinalState = (s: JobState): boolean => FINAL_JOB_STATES.includes(s);

/** Who or what started a job: the seed's "tasks" are admin and event jobs, "processes" all of them. */
export type JobTrigger = 'admin' | 'event' | 'schedule' | 'parent' | 'system';

/**
 * Which workers a job may use. `bulk` is periodic work queued by the scheduler in large
 * numbers (host scans): it may take at most a share of a controller's workers, so admin and
 * event jobs and the robots (`normal`) always find one free (docs/robots.md, "Lanes").
 */
export const JOB_LANES = ['normal', 'bulk'] as const;
export type JobLane = (typeof JOB_LANES)[number];

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface JobRecord {
  id: string;
  type: string;
  state: JobState;
  params: unknown;
  result: unknown;
  error: JobError | null;
  /** Attempts started so far; the running attempt's number while running. */
  attempts: number;
  maxAttempts: number;
  priority: number;
  runAt: number;
  deadline: number | null;
  parentId: string | null;
  hostId: string | null;
  createdBy: string;
  trigger: JobTrigger;
  dedupeKey: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  workerId: string | null;
  leaseUntil: number | null;
  cancelRequested: boolean;
  /** A parent whose run has created its children and now waits for them to end. */
  awaitingChildren: boolean;
  progress: unknown;
  lane: JobLane;
}

export interface NewJob {
  type: string;
  params: unknown;
  maxAttempts: number;
  priority?: number;
  runAt?: number;
  deadline?: number | null;
  parentId?: string | null;
  hostId?: string | null;
  createdBy: string;
  trigger: JobTrigger;
  dedupeKey?: string | null;
  /** Default `normal`. */
  lane?: JobLane;
}

export interface WorkerRecord {
  id: string;
  hostname: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
}

export interface RobotRecord {
  /** The job type this robot runs. */
  type: string;
  instances: number;
  /** null for robots that only run on demand or on events. */
  intervalMs: number | null;
  /** Daily window in local time "HH:MM"; both null for always. May wrap past midnight. */
  windowStart: string | null;
  windowEnd: string | null;
  enabled: boolean;
  nextRunAt: number | null;
  lastStartedAt: number | null;
  lastJobId: string | null;
  updatedAt: number;
  updatedBy: string;
}

export type Role = 'admin' | 'operator' | 'auditor';
export const ROLES: readonly Role[] = ['admin', 'operator', 'auditor'];

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  /** sha256 of the secret, hex; the secret itself is never stored. */
  secretHash: string;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  /**
   * The directory person this token speaks for, set when it was created: the console's web
   * terminal opens sessions as that person (docs/gateway.md). Absent or null: nobody's.
   */
  personId?: string | null;
}

export interface AuditRecord {
  id: string;
  at: number;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export type AlertState = 'open' | 'dismissed' | 'resolved';
export type AlertSeverity = 'info' | 'warning' | 'critical';

/**
 * What an alert is about, in fields notification routing and exports can match on (the
 * message is for people). Every field is optional: a schedule-late alert has no host.
 */
export interface AlertContext {
  policyId?: string;
  hostId?: string;
  hostName?: string;
  groupId?: string;
  applicationIds?: string[];
  account?: string;
  /** SHA256:... of the key the alert is about. */
  fingerprint?: string;
  authorizationId?: string;
  /** Anything else a raiser wants kept with the alert; never a secret. */
  extra?: Record<string, string | number | boolean | null>;
}

export interface AlertRecord {
  id: string;
  type: string;
  severity: AlertSeverity;
  subject: string;
  message: string;
  state: AlertState;
  /** At most one open alert per dedupe key (for example "late:internal-reporting"). */
  dedupeKey: string;
  context: AlertContext;
  /** Why it left `open` (a dismissal's reason, "cause gone"), and who moved it. */
  stateReason: string | null;
  stateBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export type AlertEventKind = 'raised' | 'resolved' | 'dismissed' | 'reopened';

/**
 * One change of an alert, in the order the store recorded them: notification and SIEM
 * export read this feed after their own cursor, so a restart neither loses nor repeats.
 */
export interface AlertEvent {
  /** Opaque, increasing: pass the last one seen back as `after`. Also the idempotency key. */
  cursor: string;
  kind: AlertEventKind;
  at: number;
  /** The alert as it is now (it may have changed again since this event). */
  alert: AlertRecord;
}
