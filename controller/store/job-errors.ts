/**
 * The job error both store adapters write when a lease ran out with its attempts used up:
 * defined once, so the two stores record the same code and message.
 */
import { leaseExpired, toErrorRecord } from '../../shared/errors';
import type { JobError } from './records';

export const LEASE_EXPIRED_ERROR: JobError = toErrorRecord(
  leaseExpired('the worker running this job stopped renewing its lease and attempts are used up'),
);
