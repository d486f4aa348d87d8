import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { storeFailure } from '../../../shared/errors';
import type { Store } from '../store';
import { migrate } from './migrations';
import { sqliteAgentRepositories } from './sqlite-agent-repositories';
import { sqliteHostRepositories } from './sqlite-host-repositories';
import { sqliteInventory } from './sqlite-inventory';
import { sqliteAccessGraph } from './sqlite-access-graph';
import { sqliteHostCredentialRepository } from './sqlite-credential-repository';
import { sqliteAuthorizationRepository } from './sqlite-authorization-repository';
import { sqliteAccessReviewRepository } from './sqlite-access-review-repository';
import { guarded } from './translate-errors';
import { startWalCheckpointer } from './wal-checkpointer';
import { sqliteApplicationRepository } from './sqlite-applications';
import { sqlitePurgeRequestRepository, sqliteReverseDnsRepository } from './sqlite-purge-requests';
import { sqliteJobRepository } from './sqlite-job-repository';
import { sqliteAuditRepository } from './sqlite-log-repositories';
import { sqliteAlertRepository } from './sqlite-alert-repository';
import { sqlitePolicyRepository } from './sqlite-policy-repository';
import { sqliteNotificationRepository } from './sqlite-notification-repository';
import { sqliteDirectoryRepository } from './sqlite-directory-repository';
import { sqliteSessionRepository } from './sqlite-session-repository';
import { sqliteSessionTextRepository } from './sqlite-session-texts';
import { sqliteApprovalRepository } from './sqlite-approval-repository';
import {
  sqliteRobotRepository,
  sqliteTokenRepository,
  sqliteWorkerRepository,
} from './sqlite-record-repositories';
import {
  sqliteExportCursorRepository,
  sqliteKeyQuarantineRepository,
} from './sqlite-retirement-export';
import { sqliteRetentionRepository } from './sqlite-retention';
import { sqliteArchiveLedgerRepository } from './sqlite-archive-ledger';
import { sqliteStoreStatsRepository } from './sqlite-store-stats';

export type SqliteSynchronous = 'FULL' | 'NORMAL';

/**
 * Opens (and migrates) the embedded store. WAL lets readers run beside the writer.
 * synchronous=FULL by default: a commit is fsynced to the WAL before it returns, so
 * a completed job survives a power loss, not only a process crash. NORMAL trades that
 * for speed (a crash of the process still loses nothing; power loss may lose the last
 * commits) and can be chosen with `synchronous`.
 */
export function openSqliteStore(
  file: string,
  opts: { synchronous?: SqliteSynchronous } = {},
): Store {
  let db: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (cause) {
    throw storeFailure(`cannot open the embedded store at ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  // An in-memory database has no WAL to checkpoint.
  const checkpointer = file === ':memory:' ? null : startWalCheckpointer(file);
  if (checkpointer) db.pragma('wal_autocheckpoint = 0');
  // Every repository answers in the table's codes: SQLITE_BUSY is STORE_UNAVAILABLE.
  const repos = guarded('sqlite', {
    jobs: sqliteJobRepository(db),
    workers: sqliteWorkerRepository(db),
    robots: sqliteRobotRepository(db),
    tokens: sqliteTokenRepository(db),
    audit: sqliteAuditRepository(db),
    alerts: sqliteAlertRepository(db),
    ...sqliteHostRepositories(db),
    agentFleet: sqliteAgentRepositories(db),
    hostCredentials: sqliteHostCredentialRepository(db),
    inventory: sqliteInventory(db),
    authorizations: sqliteAuthorizationRepository(db),
    accessGraph: sqliteAccessGraph(db),
    accessReviews: sqliteAccessReviewRepository(db),
    applications: sqliteApplicationRepository(db),
    purgeRequests: sqlitePurgeRequestRepository(db),
    reverseDns: sqliteReverseDnsRepository(db),
    keyQuarantines: sqliteKeyQuarantineRepository(db),
    exportCursors: sqliteExportCursorRepository(db),
    policies: sqlitePolicyRepository(db),
    notifications: sqliteNotificationRepository(db),
    directory: sqliteDirectoryRepository(db),
    sessions: sqliteSessionRepository(db),
    sessionTexts: sqliteSessionTextRepository(db),
    approvals: sqliteApprovalRepository(db),
    archive: {
      retention: sqliteRetentionRepository(db),
      ledger: sqliteArchiveLedgerRepository(db),
    },
    storeStats: sqliteStoreStatsRepository(db),
  });
  return {
    kind: 'sqlite',
    ...repos,
    close: async () => {
      await checkpointer?.stop();
      if (db.open) db.close();
    },
  };
}
