/**
 * The behaviour every Store adapter must show. Each adapter's test file calls
 * `describeStoreContract` with a factory that gives a fresh, empty store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../controller/store/store';
import { hostsContract } from './contract-hosts';
import { inventoryContract } from './contract-inventory';
import { credentialsContract } from './contract-credentials';
import { jobsContract } from './contract-jobs';
import { lanesContract } from './contract-lanes';
import { parentsAndRecoveryContract } from './contract-recovery';
import { recordsContract } from './contract-records';
import { auditRetentionContract } from './contract-audit-retention';
import { authorizationsContract } from './contract-authorizations';
import { accessGraphContract } from './contract-access-graph';
import { accessReviewsContract } from './contract-access-reviews';
import { accessReviewRoundsContract } from './contract-access-review-rounds';
import { reportingContract } from './contract-reporting';
import { retirementExportContract } from './contract-retirement-export';
import { policiesContract } from './contract-policies';
import { notificationsContract } from './contract-notifications';
import { directoryContract } from './contract-directory';
import { sessionsContract } from './contract-sessions';
import { sessionTextsContract } from './contract-session-texts';
import { approvalsContract } from './contract-approvals';

export interface StoreUnderTest {
  store: Store;
  /** Opens a second, independent connection to the same data (another controller). */
  openSecond?: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreUnderTest>;

export { newJob } from './new-job';

export interface ContractContext {
  get: () => StoreUnderTest;
}

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let current: StoreUnderTest | undefined;
    const ctx: ContractContext = {
      get: () => {
        if (!current) throw new Error('store not started');
        return current;
      },
    };
    beforeAll(async () => {
      current = await factory();
    });
    afterAll(async () => {
      await current?.cleanup();
    });
    it('starts empty', async () => {
      const page = await ctx.get().store.jobs.list({}, { limit: 10 });
      expect(page.items).toEqual([]);
    });
    jobsContract(ctx);
    lanesContract(ctx);
    parentsAndRecoveryContract(ctx);
    recordsContract(ctx);
    hostsContract(ctx);
    inventoryContract(ctx);
    credentialsContract(ctx);
    auditRetentionContract(ctx);
    authorizationsContract(ctx);
    accessGraphContract(ctx);
    accessReviewsContract(ctx);
    accessReviewRoundsContract(ctx);
    reportingContract(ctx);
    retirementExportContract(ctx);
    policiesContract(ctx);
    notificationsContract(ctx);
    directoryContract(ctx);
    sessionsContract(ctx);
    sessionTextsContract(ctx);
    approvalsContract(ctx);
  });
}
