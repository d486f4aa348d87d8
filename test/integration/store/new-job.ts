import type { NewJob } from '../../../controller/store/records';

/** A minimal job for the contract suites; override what a test is about. */
export const newJob = (over: Partial<NewJob> = {}): NewJob => ({
  type: 'test-noop',
  params: { n: 1 },
  maxAttempts: 3,
  createdBy: 'tester',
  trigger: 'admin',
  ...over,
});
