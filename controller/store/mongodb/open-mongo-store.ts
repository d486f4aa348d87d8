import { MongoClient } from 'mongodb';
import type { Store } from '../store';
import { collections } from './collections';
import { migrate } from './migrations';
import { mongoAgentRepositories } from './mongo-agent-repositories';
import { mongoHostRepositories } from './mongo-host-repositories';
import { mongoInventory } from './mongo-inventory';
import { mongoAccessGraph } from './mongo-access-graph';
import { mongoHostCredentialRepository } from './mongo-credential-repository';
import { mongoAuthorizationRepository } from './mongo-authorization-repository';
import { mongoAccessReviewRepository } from './mongo-access-review-repository';
import { mongoJobRepository } from './mongo-job-repository';
import { mongoAuditRepository } from './mongo-log-repositories';
import { mongoAlertRepository } from './mongo-alert-repository';
import { mongoNotificationRepository } from './mongo-notification-repository';
import { mongoDirectoryRepository } from './mongo-directory-repository';
import { mongoSessionRepository } from './mongo-session-repository';
import { mongoSessionTextRepository } from './mongo-session-texts';
import { mongoApprovalRepository } from './mongo-approval-repository';
import { mongoTokenRepository, mongoWorkerRepository } from './mongo-record-repositories';
import { mongoRobotRepository } from './mongo-robot-repository';
import { mongoPolicyRepository } from './mongo-policy-repository';
import { guarded, translateError } from './translate-errors';
import { mongoApplicationRepository } from './mongo-applications';
import { mongoPurgeRequestRepository, mongoReverseDnsRepository } from './mongo-purge-requests';
import { mongoRetirementExport } from './mongo-retirement-export';
import { mongoRecordingBlobs } from './mongo-recording-blobs';
import { mongoRetentionRepository } from './mongo-retention';
import { mongoArchiveLedgerRepository } from './mongo-archive-ledger';
import { mongoStoreStatsRepository } from './mongo-store-stats';

export interface MongoStoreOptions {
  /** Default: the database named in the URL path, else `keywarden`. */
  dbName?: string;
}

/** The database named in a mongodb:// URL's path, if any. */
export function dbNameFromUrl(url: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(url);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/**
 * Connects, applies the index migrations and returns the store. Several controllers may
 * share the database: every decision that must have one winner (claims, dedupe keys,
 * robot advances) is made by a unique `_id` insert, which is atomic on every
 * MongoDB-compatible server, and no transaction is used.
 */
export async function openMongoStore(url: string, opts: MongoStoreOptions = {}): Promise<Store> {
  const client = new MongoClient(url, { ignoreUndefined: true });
  try {
    await client.connect();
    const db = client.db(opts.dbName ?? dbNameFromUrl(url) ?? 'keywarden');
    await migrate(db);
    const c = collections(db);
    return {
      kind: 'mongodb',
      jobs: guarded('jobs', mongoJobRepository(c)),
      workers: guarded('workers', mongoWorkerRepository(c)),
      robots: guarded('robots', mongoRobotRepository(c)),
      tokens: guarded('tokens', mongoTokenRepository(c)),
      audit: guarded('audit', mongoAuditRepository(c)),
      alerts: guarded('alerts', mongoAlertRepository(c)),
      ...mongoHostRepositories(db),
      agentFleet: mongoAgentRepositories(db),
      hostCredentials: mongoHostCredentialRepository(db),
      inventory: mongoInventory(db),
      authorizations: mongoAuthorizationRepository(db),
      accessGraph: mongoAccessGraph(db),
      accessReviews: mongoAccessReviewRepository(db),
      applications: guarded('applications', mongoApplicationRepository(db)),
      purgeRequests: guarded('purgeRequests', mongoPurgeRequestRepository(db)),
      reverseDns: guarded('reverseDns', mongoReverseDnsRepository(db)),
      ...mongoRetirementExport(db),
      policies: guarded('policies', mongoPolicyRepository(db)),
      notifications: mongoNotificationRepository(db),
      directory: mongoDirectoryRepository(db),
      sessions: mongoSessionRepository(db),
      sessionTexts: mongoSessionTextRepository(db),
      approvals: mongoApprovalRepository(db),
      archive: {
        retention: guarded('archive.retention', mongoRetentionRepository(db)),
        ledger: guarded('archive.ledger', mongoArchiveLedgerRepository(db)),
      },
      storeStats: guarded('storeStats', mongoStoreStatsRepository(db)),
      sessionRecordings: mongoRecordingBlobs(db),
      close: () => client.close(),
    };
  } catch (err) {
    await client.close().catch(() => undefined);
    throw translateError(err, 'open');
  }
}
