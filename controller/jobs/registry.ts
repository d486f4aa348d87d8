/**
 * The one table of job types. The engine and the API know job types only through it.
 * Param types are derived from the definitions, so `JobParams<'x'>` is checked at compile time.
 */
import { evaluatePolicy } from './evaluate-policy';
import type { JobDefinition, ParamsInput } from '../engine/job-definition';
import type { JobRegistry } from '../engine/job-queue';
import { internalProcessManager } from './internal-process-manager';
import { internalCalculateStatistics } from './internal-calculate-statistics';
import { internalExpireAuthorizations } from './internal-expire-authorizations';
import { internalPurgeAlerts } from './internal-purge-alerts';
import { internalPurgeJobs } from './internal-purge-jobs';
import { internalPurgeReportingData } from './internal-purge-reporting-data';
import { internalReporting } from './internal-reporting';
import { internalScheduleMonitor } from './internal-schedule-monitor';
import { internalScheduler } from './internal-scheduler';
import { batchActionJob } from './batch-action-job';
import { batchImportProcessing } from './batch-import-processing';
import { connectivityTest } from './connectivity-test';
import { deviceDiscovery } from './device-discovery';
import { discover } from './discover';
import { discoverHost } from './discover-host';
import { renewMgmtKey } from './renew-mgmt-key';
import { toManagedStateHost } from './to-managed-state-host';
import { toMonitoredStateHost } from './to-monitored-state-host';
import { createIcb } from './create-icb';
import { discoverAgentHost } from './discover-agent-host';
import { handleAgentHost } from './handle-agent-host';
import { testHostOperation } from './testing/test-host-operation';
import { addAuthorizedKey } from './add-authorized-key';
import { blacklistKeys } from './blacklist-keys';
import { confDeploy } from './conf-deploy';
import { confDeployHost } from './conf-deploy-host';
import { generatePrivateKey } from './generate-private-key';
import { relocateUserKeys } from './relocate-user-keys';
import { relocateUserKeysHost } from './relocate-user-keys-host';
import { removeAuthorizedKey } from './remove-authorized-key';
import { removePrivateKey } from './remove-private-key';
import { renewPrivateKey } from './renew-private-key';
import { scanAuthorizedKeys } from './scan-authorized-keys';
import { scanConfigs } from './scan-configs';
import { scanFull } from './scan-full';
import { readSshdEffectiveConfig } from './read-sshd-effective-config';
import { scanHostKeyActivity } from './scan-host-key-activity';
import { setAuthorizedKeyOptions } from './set-authorized-key-options';
import { testEffect } from './testing/test-effect';
import { testFlaky } from './testing/test-flaky';
import { testParent } from './testing/test-parent';
import { testRobot } from './testing/test-robot';
import { testSleep } from './testing/test-sleep';
import { updateJobIntervalsJob } from './update-job-intervals';
import { addAuthorizations } from './add-authorizations';
import { authorizePrivateKeyParent } from './authorize-private-key-parent';
import { removeAuthorization } from './remove-authorization';
import { graphAnalysis } from './graph-analysis';
import { deployRevokedKeys } from './deploy-revoked-keys';
import { internalAccessReviews } from './internal-access-reviews';
import { internalApplicationsUpdate } from './internal-applications-update';
import { purgeDatabaseObjects } from './purge-database-objects';
import { reverseIpMapper } from './reverse-ip-mapper';
import { internalReverseIpMapper } from './internal-reverse-ip-mapper';
import { listingJob } from './listing-job';
import { quarantineKey } from './quarantine-key';
import { quarantineKeyHost } from './quarantine-key-host';
import { restoreKey } from './restore-key';
import { restoreKeyHost } from './restore-key-host';
import { retireKey } from './retire-key';
import { retireKeyHost } from './retire-key-host';
import { internalRetireQuarantinedKeys } from './internal-retire-quarantined-keys';
import { sendEmail } from './send-email';
import { emailSender } from './email-sender';
import { expirationNotification } from './expiration-notification';
import { backupExport } from './backup-export';
import { internalBackupMonitor } from './internal-backup-monitor';
import { internalDiskSpaceMonitor } from './internal-disk-space-monitor';
import { internalResourceMonitor } from './internal-resource-monitor';
import { ldapSync } from './ldap-sync';
import { accessGroupsProcessing } from './access-groups-processing';
import { sessionFinalizer } from './session-finalizer';
import { failedSessionFinalizer } from './failed-session-finalizer';
import { sessionConnectionStatus } from './session-connection-status';
import { socketServerMonitor } from './socket-server-monitor';
import { sessionLogConverter } from './session-log-converter';
import { sessionTextsIndexer } from './session-texts-indexer';
import { commandAudit } from './command-audit';
import { internalExpireApprovals } from './internal-expire-approvals';
import { emailCollector } from './email-collector';
import { replyToEmailRequest } from './reply-to-email-request';
import { accountDiscovery } from './account-discovery';
import { secretsBackup } from './secrets-backup';
import { internalWarehouseConciliation } from './internal-warehouse-conciliation';
import { internalPrimaryKeyMonitor } from './internal-primary-key-monitor';
import { internalGatewayMonitor } from './internal-gateway-monitor';

export const productJobs = [
  internalProcessManager,
  internalPurgeJobs,
  internalScheduler,
  internalPurgeAlerts,
  internalPurgeReportingData,
  internalCalculateStatistics,
  internalReporting,
  internalExpireAuthorizations,
  internalScheduleMonitor,
  discover,
  discoverHost,
  toMonitoredStateHost,
  toManagedStateHost,
  renewMgmtKey,
  batchActionJob,
  deviceDiscovery,
  connectivityTest,
  batchImportProcessing,
  createIcb,
  discoverAgentHost,
  handleAgentHost,
  addAuthorizedKey,
  blacklistKeys,
  confDeploy,
  confDeployHost,
  generatePrivateKey,
  relocateUserKeys,
  relocateUserKeysHost,
  removeAuthorizedKey,
  removePrivateKey,
  renewPrivateKey,
  scanAuthorizedKeys,
  scanConfigs,
  scanFull,
  readSshdEffectiveConfig,
  scanHostKeyActivity,
  setAuthorizedKeyOptions,
  updateJobIntervalsJob,
  addAuthorizations,
  authorizePrivateKeyParent,
  removeAuthorization,
  graphAnalysis,
  deployRevokedKeys,
  internalAccessReviews,
  internalApplicationsUpdate,
  purgeDatabaseObjects,
  reverseIpMapper,
  internalReverseIpMapper,
  listingJob,
  quarantineKey,
  quarantineKeyHost,
  restoreKey,
  restoreKeyHost,
  retireKey,
  retireKeyHost,
  internalRetireQuarantinedKeys,
  evaluatePolicy,
  sendEmail,
  emailSender,
  expirationNotification,
  backupExport,
  internalBackupMonitor,
  internalDiskSpaceMonitor,
  internalResourceMonitor,
  ldapSync,
  accessGroupsProcessing,
  sessionFinalizer,
  failedSessionFinalizer,
  sessionConnectionStatus,
  socketServerMonitor,
  sessionLogConverter,
  sessionTextsIndexer,
  commandAudit,
  internalExpireApprovals,
  emailCollector,
  replyToEmailRequest,
  accountDiscovery,
  secretsBackup,
  internalWarehouseConciliation,
  internalPrimaryKeyMonitor,
  internalGatewayMonitor,
] as const;

/** Fixtures for tests and benchmarks, registered only with KEYWARDEN_ENABLE_TEST_JOB_TYPES. */
export const testJobs = [
  testSleep,
  testEffect,
  testFlaky,
  testParent,
  testRobot,
  testHostOperation,
] as const;

type AnyJob = (typeof productJobs)[number] | (typeof testJobs)[number];
/** Each registered type's params, as its schema declares them. */
type RegisteredJobTypes = { [D in AnyJob as D['type']]: ParamsInput<D['params']> };

// The engine's JobTypes is this table: `queue.enqueue('x', params)` and `ctx.enqueue` are
// checked against it at compile time (see controller/engine/job-definition.ts).
declare module '../engine/job-definition' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface JobTypes extends RegisteredJobTypes {}
}

export function buildRegistry(opts: { testJobTypes: boolean }): JobRegistry {
  const defs: readonly JobDefinition[] = opts.testJobTypes
    ? [...productJobs, ...testJobs]
    : productJobs;
  const table: Record<string, JobDefinition> = {};
  for (const d of defs) {
    if (table[d.type]) throw new Error(`job type ${d.type} is registered twice`);
    table[d.type] = d;
  }
  return Object.freeze(table);
}
