import type Database from 'better-sqlite3';
import type { NewJob } from '../../records';
import type { EnqueueResult } from '../../store';
import { newId } from '../../ids';
import { toJobRecord, type JobRow } from '../job-rows';
import { json, stmt } from '../statements';

const INSERT = `INSERT INTO jobs (id, type, state, params, attempts, max_attempts, priority, run_at,
  deadline, parent_id, host_id, created_by, trigger, dedupe_key, created_at, lane)
  VALUES (@id, @type, 'queued', @params, 0, @maxAttempts, @priority, @runAt, @deadline,
  @parentId, @hostId, @createdBy, @trigger, @dedupeKey, @createdAt, @lane)
  ON CONFLICT DO NOTHING RETURNING *`;

const ACTIVE_BY_KEY = `SELECT * FROM jobs WHERE dedupe_key = ? AND state IN ('queued', 'running')`;

/** Inserts one job; a dedupe key already held by an active job returns that job instead. */
export function enqueueJob(db: Database.Database, job: NewJob, now: number): EnqueueResult {
  const row = stmt(db, INSERT).get({
    id: newId(now),
    type: job.type,
    params: json(job.params),
    maxAttempts: job.maxAttempts,
    priority: job.priority ?? 0,
    runAt: job.runAt ?? now,
    deadline: job.deadline ?? null,
    parentId: job.parentId ?? null,
    hostId: job.hostId ?? null,
    createdBy: job.createdBy,
    trigger: job.trigger,
    dedupeKey: job.dedupeKey ?? null,
    createdAt: now,
    lane: job.lane ?? 'normal',
  }) as JobRow | undefined;
  if (row) return { job: toJobRecord(row), created: true };
  // Only the partial unique index on dedupe_key can make the insert do nothing.
  const existing = stmt(db, ACTIVE_BY_KEY).get(job.dedupeKey) as JobRow | undefined;
  if (!existing)
    throw new Error(`enqueue of ${job.type} was refused but no active job holds its key`);
  return { job: toJobRecord(existing), created: false };
}

export function enqueueJobs(db: Database.Database, jobs: NewJob[], now: number): EnqueueResult[] {
  return db.transaction(() => jobs.map((j) => enqueueJob(db, j, now))).immediate();
}
