import type { JobLane, JobRecord, JobState, JobTrigger } from '../records';
import { unjson } from './statements';

export interface JobRow {
  id: string;
  type: string;
  state: string;
  params: string | null;
  result: string | null;
  error: string | null;
  attempts: number;
  max_attempts: number;
  priority: number;
  run_at: number;
  deadline: number | null;
  parent_id: string | null;
  host_id: string | null;
  created_by: string;
  trigger: string;
  dedupe_key: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  worker_id: string | null;
  lease_until: number | null;
  cancel_requested: number;
  awaiting_children: number;
  progress: string | null;
  lane: string;
}

export function toJobRecord(r: JobRow): JobRecord {
  return {
    id: r.id,
    type: r.type,
    state: r.state as JobState,
    params: unjson(r.params),
    result: unjson(r.result),
    error: unjson(r.error) as JobRecord['error'],
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    priority: r.priority,
    runAt: r.run_at,
    deadline: r.deadline,
    parentId: r.parent_id,
    hostId: r.host_id,
    createdBy: r.created_by,
    trigger: r.trigger as JobTrigger,
    dedupeKey: r.dedupe_key,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    workerId: r.worker_id,
    leaseUntil: r.lease_until,
    cancelRequested: r.cancel_requested === 1,
    awaitingChildren: r.awaiting_children === 1,
    progress: unjson(r.progress),
    lane: r.lane as JobLane,
  };
}

/** The condition that a write is made by the worker holding this attempt. */
export const HELD = `id = @id AND state = 'running' AND attempts = @attempt AND worker_id = @workerId`;
