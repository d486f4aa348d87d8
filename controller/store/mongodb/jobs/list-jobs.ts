import type { Filter } from 'mongodb';
import type { JobRecord } from '../../records';
import type { JobFilter, Page } from '../../store';
import { toJobRecord, type Collections, type JobDoc } from '../collections';
import { listPage } from '../page';

export function jobFilter(f: JobFilter): Filter<JobDoc> {
  const q: Filter<JobDoc> = {};
  if (f.state) q.state = { $in: f.state };
  if (f.type) q.type = { $in: f.type };
  if (f.trigger) q.trigger = { $in: f.trigger };
  if (f.hostId !== undefined) q.hostId = f.hostId;
  if (f.parentId !== undefined) q.parentId = f.parentId;
  if (f.createdSince !== undefined || f.createdUntil !== undefined)
    q.createdAt = {
      ...(f.createdSince !== undefined ? { $gte: f.createdSince } : {}),
      ...(f.createdUntil !== undefined ? { $lte: f.createdUntil } : {}),
    };
  return q;
}

export const listJobs = (
  c: Collections,
  f: JobFilter,
  page: { limit: number; after?: string },
): Promise<Page<JobRecord>> => listPage(c.jobs, jobFilter(f), page, toJobRecord);
