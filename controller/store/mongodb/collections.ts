/**
 * The collections of the MongoDB store and the shape of their documents. Records keep
 * their field names; the record id is `_id`. Free-form values (params, result, progress,
 * audit details) are stored as JSON text, as the SQLite store does, so any JSON value
 * round-trips unchanged whatever keys it has ("$x", "a.b") and on every server.
 */
import type { Collection, Db } from 'mongodb';
import type {
  AlertEventKind,
  AlertRecord,
  AuditRecord,
  JobRecord,
  RobotRecord,
  TokenRecord,
  WorkerRecord,
} from '../records';

export type JobDoc = Omit<JobRecord, 'id' | 'params' | 'result' | 'progress'> & {
  _id: string;
  params: string | null;
  result: string | null;
  progress: string | null;
  /** How many claims were ever made (never reset, unlike attempts): names the next claim document. */
  claims: number;
};

/**
 * One per claim: its unique `_id` `${jobId}:${claimNumber}` lets exactly one worker win
 * (`~N` appended for the Nth takeover of a claim orphaned by a crash).
 */
export interface ClaimDoc {
  _id: string;
  jobId: string;
  workerId: string;
  at: number;
  /**
   * The lease the claim was made with: a claim still unapplied to its job after this is
   * an orphan (its worker stopped between the two writes). Absent on older documents.
   */
  leaseUntil?: number;
}

/** A singleton key (a job or alert dedupe key) held by one record at a time. */
export interface KeyDoc {
  _id: string;
  holder: string;
  /** Wall-clock ms of the insert: a key whose holder never appeared is stale after a grace. */
  at: number;
}

/** `${holder}/${key}`: the one caller allowed to release `key` from an ended holder. */
export interface ReleaseDoc {
  _id: string;
  key: string;
  holder: string;
  at: number;
}

export type RobotDoc = Omit<RobotRecord, 'type'> & {
  _id: string;
  /** Counts advances; the next advance document is `${type}:${advances + 1}`. */
  advances: number;
};
export type WorkerDoc = Omit<WorkerRecord, 'id'> & { _id: string };
export type TokenDoc = Omit<TokenRecord, 'id'> & { _id: string };
export type AuditDoc = Omit<AuditRecord, 'id' | 'details'> & {
  _id: string;
  details: string;
  /** A wall-clock id taken at the insert: the audit feed's order (absent before migration 49). */
  feedId?: string;
};
/** Context is JSON text (its `extra` keys are free-form); alerts before migration 44 lack it. */
export type AlertDoc = Omit<AlertRecord, 'id' | 'context' | 'stateReason' | 'stateBy'> &
  Partial<Pick<AlertRecord, 'stateReason' | 'stateBy'>> & { _id: string; context?: string };
/** One alert change; _id is a time-ordered id, the feed's cursor. */
export interface AlertEventDoc {
  _id: string;
  alertId: string;
  kind: AlertEventKind;
  at: number;
}

export interface Collections {
  db: Db;
  jobs: Collection<JobDoc>;
  jobClaims: Collection<ClaimDoc>;
  jobDedupe: Collection<KeyDoc>;
  jobDedupeReleases: Collection<ReleaseDoc>;
  workers: Collection<WorkerDoc>;
  robots: Collection<RobotDoc>;
  robotAdvances: Collection<{ _id: string; type: string; at: number }>;
  tokens: Collection<TokenDoc>;
  audit: Collection<AuditDoc>;
  alerts: Collection<AlertDoc>;
  alertDedupe: Collection<KeyDoc>;
  alertDedupeReleases: Collection<ReleaseDoc>;
  alertEvents: Collection<AlertEventDoc>;
}

export function collections(db: Db): Collections {
  return {
    db,
    jobs: db.collection('jobs'),
    jobClaims: db.collection('job_claims'),
    jobDedupe: db.collection('job_dedupe'),
    jobDedupeReleases: db.collection('job_dedupe_releases'),
    workers: db.collection('workers'),
    robots: db.collection('robots'),
    robotAdvances: db.collection('robot_advances'),
    tokens: db.collection('tokens'),
    audit: db.collection('audit'),
    alerts: db.collection('alerts'),
    alertDedupe: db.collection('alert_dedupe'),
    alertDedupeReleases: db.collection('alert_dedupe_releases'),
    alertEvents: db.collection('alert_events'),
  };
}

export const json = (v: unknown): string | null =>
  v === undefined || v === null ? null : JSON.stringify(v);
export const unjson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : null);

export function toJobRecord(d: JobDoc): JobRecord {
  const { _id, params, result, progress, claims: _claims, ...rest } = d;
  return {
    id: _id,
    ...rest,
    params: unjson(params),
    result: unjson(result),
    progress: unjson(progress),
    // Jobs queued before lanes existed have no lane field: they were all normal.
    lane: (rest.lane as JobRecord['lane'] | undefined) ?? 'normal',
  };
}

/** The filter that a write comes from the worker holding this attempt. */
export const held = (l: { id: string; attempt: number; workerId: string }) => ({
  _id: l.id,
  state: 'running' as const,
  attempts: l.attempt,
  workerId: l.workerId,
});

export const ACTIVE_STATES = ['queued', 'running'] as const;
export const ENDED_STATES = ['completed', 'failed', 'cancelled', 'expired'] as const;

/** A duplicate `_id` on insert: the one atomic "someone else won" every server gives. */
export const isDuplicateKey = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;

/**
 * An upsert by `_id` raced by another for the same new `_id`: both find nothing and insert,
 * and the loser is answered E11000 (FerretDB always; MongoDB in the cases its server does
 * not retry itself). The document exists then, so the same write once more updates it.
 */
export async function upsertRetried<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return write();
  }
}
