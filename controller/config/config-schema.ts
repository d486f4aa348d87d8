/**
 * The one description of every setting: its environment variable, default and how a
 * raw string becomes a typed value. `loadConfig()` is the only reader of it.
 */
import {
  parseNonEmptyString,
  settingFailure as fail,
  type SettingParse,
} from '../../shared/config/settings-parser';
import { asCommandList, asPathList } from './list-settings';
import { asDnsServers } from '../reverse-dns/dns-servers-setting';
import { parseExportSinks } from '../export/sink-config';
import { leadTimesParser } from './notify-settings';
import { parseRiskRules } from '../sessions/text/risk-rules-setting';
import { asAgeRecipients, asHostKeyFingerprint, asSealedValue, asSftpUrl } from './backup-settings';

export type Parse<T> = SettingParse<T>;

export const asString: Parse<string> = parseNonEmptyString;

export const asAddress: Parse<{ host: string; port: number }> = (raw, name) => {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(raw.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535) return fail(name, raw, 'HOST:PORT with a port from 0 to 65535');
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
};

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "5m", "2h", "60d" or a bare number of milliseconds. */
export const asDurationMs: Parse<number> = (raw, name) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m || !m[1]) return fail(name, raw, 'a duration such as 500ms, 30s, 5m, 2h or 60d');
  return Math.round(Number(m[1]) * (units[m[2] ?? 'ms'] ?? 1));
};

export const asPositiveInt: Parse<number> = (raw, name) => {
  const n = Number(raw.trim());
  return Number.isInteger(n) && n > 0 ? n : fail(name, raw, 'a whole number greater than 0');
};

export const asBoolean: Parse<boolean> = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return fail(name, raw, 'true or false');
};

export const asLogLevel: Parse<string> = (raw, name) => {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  return levels.includes(raw.trim()) ? raw.trim() : fail(name, raw, `one of ${levels.join(', ')}`);
};

/** The store is either the embedded SQLite file or a mongodb:// URL. */
export const asStoreUrl: Parse<string> = (raw, name) => {
  const v = raw.trim();
  if (/^mongodb(\+srv)?:\/\/./.test(v) || /^sqlite:./.test(v)) return v;
  return fail(name, raw, 'a mongodb:// URL or sqlite:PATH');
};

export const asSyslogTarget: Parse<string> = (raw, name) => {
  const v = raw.trim();
  if (/^(udp|tcp):\/\/[^/:]+:\d+$/.test(v) || /^unix:\/\/\/.+/.test(v)) return v;
  return fail(name, raw, 'udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH');
};

export interface SettingSpec<T> {
  env: string;
  parse: Parse<T>;
  /** A default as the raw string an operator would write, or undefined when optional. */
  default?: string;
  describe: string;
}

/** Every setting. The key is the name used in the config file (JSON) and in code. */
export const settings = {
  dataDir: {
    env: 'KEYWARDEN_DATA_DIR',
    parse: asString,
    default: './data',
    describe: 'directory for the embedded store, keys and spools',
  },
  store: {
    env: 'KEYWARDEN_STORE',
    parse: asStoreUrl,
    describe: 'mongodb:// URL, or sqlite:PATH (default: sqlite in the data directory)',
  },
  httpAddr: {
    env: 'KEYWARDEN_HTTP_ADDR',
    parse: asAddress,
    default: '127.0.0.1:8080',
    describe: 'admin HTTP API listen address',
  },
  grpcAddr: {
    env: 'KEYWARDEN_GRPC_ADDR',
    parse: asAddress,
    default: '0.0.0.0:8443',
    describe: 'agent gRPC listen address',
  },
  enrollAddr: {
    env: 'KEYWARDEN_ENROLL_ADDR',
    parse: asAddress,
    default: '0.0.0.0:8444',
    describe: 'agent enrollment listen address (TLS without client certificates; Enroll only)',
  },
  agentAdvertise: {
    env: 'KEYWARDEN_AGENT_ADVERTISE',
    parse: asString,
    describe:
      'comma-separated host names agents dial, written into ICBs and the gateway certificate (default: this host name)',
  },
  caDir: {
    env: 'KEYWARDEN_CA_DIR',
    parse: asString,
    describe:
      'directory of the agent CA key and certificate (default: DATA_DIR/ca); share it between controllers',
  },
  agentCertValidityMs: {
    env: 'KEYWARDEN_AGENT_CERT_VALIDITY',
    parse: asDurationMs,
    default: '30d',
    describe: 'lifetime of agent client certificates (agents renew after two thirds of it)',
  },
  icbValidityMs: {
    env: 'KEYWARDEN_ICB_VALIDITY',
    parse: asDurationMs,
    default: '7d',
    describe: 'how long the enrollment token of a new ICB can be used',
  },
  agentConnectIntervalMs: {
    env: 'KEYWARDEN_AGENT_CONNECT_INTERVAL',
    parse: asDurationMs,
    default: '1h',
    describe: 'time between management connections of periodic agents (ICB default)',
  },
  adminToken: {
    env: 'KEYWARDEN_ADMIN_TOKEN',
    parse: asString,
    describe: 'seeds the first admin token instead of generating one',
  },
  logLevel: {
    env: 'KEYWARDEN_LOG_LEVEL',
    parse: asLogLevel,
    default: 'info',
    describe: 'pino log level',
  },
  workerConcurrency: {
    env: 'KEYWARDEN_WORKER_CONCURRENCY',
    parse: asPositiveInt,
    default: '16',
    describe: 'jobs this controller runs at once',
  },
  claimBatch: {
    env: 'KEYWARDEN_CLAIM_BATCH',
    parse: asPositiveInt,
    default: '64',
    describe: 'most jobs claimed in one store operation',
  },
  leaseMs: {
    env: 'KEYWARDEN_LEASE',
    parse: asDurationMs,
    default: '30s',
    describe: 'how long a claimed job is held before another worker may reclaim it',
  },
  pollIntervalMs: {
    env: 'KEYWARDEN_POLL_INTERVAL',
    parse: asDurationMs,
    default: '500ms',
    describe: 'how often workers look for jobs queued by other processes',
  },
  workerHeartbeatMs: {
    env: 'KEYWARDEN_WORKER_HEARTBEAT',
    parse: asDurationMs,
    default: '10s',
    describe: 'how often a controller reports itself alive',
  },
  deadWorkerAfterMs: {
    env: 'KEYWARDEN_DEAD_WORKER_AFTER',
    parse: asDurationMs,
    default: '2m',
    describe: 'silence after which a worker record is removed',
  },
  schedulerTickMs: {
    env: 'KEYWARDEN_SCHEDULER_TICK',
    parse: asDurationMs,
    default: '1s',
    describe: 'how often the scheduler looks for due work',
  },
  purgeJobsAfterMs: {
    env: 'KEYWARDEN_PURGE_JOBS_AFTER',
    parse: asDurationMs,
    default: '60d',
    describe: 'ended job records older than this are deleted by internal-purge-jobs',
  },
  purgeAlertsAfterMs: {
    env: 'KEYWARDEN_PURGE_ALERTS_AFTER',
    parse: asDurationMs,
    default: '60d',
    describe: 'dismissed and resolved alerts older than this are deleted by internal-purge-alerts',
  },
  purgeReportingDataAfterMs: {
    env: 'KEYWARDEN_PURGE_REPORTING_DATA_AFTER',
    parse: asDurationMs,
    default: '90d',
    describe:
      'reporting data and statistics older than this are deleted by internal-purge-reporting-data',
  },
  scheduleLateAfterMs: {
    env: 'KEYWARDEN_SCHEDULE_LATE_AFTER',
    parse: asDurationMs,
    default: '5m',
    describe: 'a periodic robot, host scan or timed job this overdue is late (status and alert)',
  },
  expiryLookaheadMs: {
    env: 'KEYWARDEN_EXPIRY_LOOKAHEAD',
    parse: asDurationMs,
    default: '1h',
    describe: 'how far ahead internal-expire-authorizations queues the jobs that run at an expiry',
  },
  enableTestJobTypes: {
    env: 'KEYWARDEN_ENABLE_TEST_JOB_TYPES',
    parse: asBoolean,
    default: 'false',
    describe: 'registers the test-* fixture job types (tests and benchmarks only)',
  },
  sshMaxSessions: {
    env: 'KEYWARDEN_SSH_MAX_SESSIONS',
    parse: asPositiveInt,
    default: '64',
    describe: 'agentless executor: SSH sessions open at once across all hosts',
  },
  sshMaxSessionsPerHost: {
    env: 'KEYWARDEN_SSH_MAX_SESSIONS_PER_HOST',
    parse: asPositiveInt,
    default: '4',
    describe: 'agentless executor: SSH sessions open at once to one host',
  },
  sshIdleMs: {
    env: 'KEYWARDEN_SSH_IDLE',
    parse: asDurationMs,
    default: '5s',
    describe: 'agentless executor: how long an idle session is kept for reuse',
  },
  syslog: {
    env: 'KEYWARDEN_SYSLOG',
    parse: asSyslogTarget,
    describe: 'where robot changes are sent (RFC 5424)',
  },
  masterKey: {
    env: 'KEYWARDEN_MASTER_KEY',
    parse: asString,
    describe: 'encrypts management keys at rest (default: a key file in the data directory)',
  },
  allowedSshdBinaries: {
    env: 'KEYWARDEN_ALLOWED_SSHD_BINARIES',
    parse: asPathList,
    default: '["/usr/sbin/sshd"]',
    describe: 'sshd programs a job may run as root on a host (sshdBinary of scans and deploys)',
  },
  allowedReloadCommands: {
    env: 'KEYWARDEN_ALLOWED_RELOAD_COMMANDS',
    parse: asCommandList,
    default:
      '[["systemctl","reload","ssh"],["systemctl","reload","sshd"],["service","ssh","reload"],["service","sshd","reload"]]',
    describe: 'commands a job may run as root to reload sshd (reloadCommand), matched exactly',
  },
  allowedRelocationTargets: {
    env: 'KEYWARDEN_ALLOWED_RELOCATION_TARGETS',
    parse: asPathList,
    default: '["/etc/ssh/authorized_keys/%u"]',
    describe:
      "root-owned key file patterns relocate-user-keys may write users' keys to (target), matched exactly",
  },
  allowedSshdConfigPaths: {
    env: 'KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS',
    parse: asPathList,
    default: '["/etc/ssh/sshd_config","/etc/ssh/sshd_config.d/"]',
    describe:
      'sshd config files a job may read or replace as root (path, mainConfigPath, sshdConfigPath); "DIR/" allows the files directly in DIR',
  },
  authFailureLimit: {
    env: 'KEYWARDEN_AUTH_FAILURE_LIMIT',
    parse: asPositiveInt,
    default: '10',
    describe: 'failed API authentications a client may make per window before it gets 429',
  },
  authFailureWindowMs: {
    env: 'KEYWARDEN_AUTH_FAILURE_WINDOW',
    parse: asDurationMs,
    default: '1m',
    describe: 'the window of authFailureLimit, and of the aggregated auth.failed audit rows',
  },
  purgeAuditAfterMs: {
    env: 'KEYWARDEN_PURGE_AUDIT_AFTER',
    parse: asDurationMs,
    default: '365d',
    describe: 'audit records older than this are deleted by internal-purge-alerts',
  },
  agentCertGraceMs: {
    env: 'KEYWARDEN_AGENT_CERT_GRACE',
    parse: asDurationMs,
    default: '5m',
    describe:
      'how long an agent certificate replaced by renewal is still accepted (an agent mid-renewal keeps its stream); refused after',
  },
  reservedWorkers: {
    env: 'KEYWARDEN_RESERVED_WORKERS',
    parse: asPositiveInt,
    default: '2',
    describe:
      'workers of workerConcurrency kept from bulk scheduled host scans, for admin and event jobs and robots (bulk keeps at least one)',
  },
  reverseDnsServers: {
    env: 'KEYWARDEN_REVERSE_DNS_SERVERS',
    parse: asDnsServers,
    describe:
      'DNS servers reverse-ip-mapper asks for the names of key-activity source addresses (IP or IP:PORT, comma-separated; default: the system resolvers)',
  },
  reverseDnsTimeoutMs: {
    env: 'KEYWARDEN_REVERSE_DNS_TIMEOUT',
    parse: asDurationMs,
    default: '2s',
    describe: 'how long one reverse lookup may take; a lookup past it is cached as failed',
  },
  reverseDnsRunLimitMs: {
    env: 'KEYWARDEN_REVERSE_DNS_RUN_LIMIT',
    parse: asDurationMs,
    default: '5m',
    describe:
      'how long one reverse-ip-mapper run may look up; addresses left are looked up by the next run',
  },
  reverseDnsTtlMs: {
    env: 'KEYWARDEN_REVERSE_DNS_TTL',
    parse: asDurationMs,
    default: '1d',
    describe: 'how long a name found by reverse DNS is kept before it is looked up again',
  },
  reverseDnsNegativeTtlMs: {
    env: 'KEYWARDEN_REVERSE_DNS_NEGATIVE_TTL',
    parse: asDurationMs,
    default: '1h',
    describe:
      'how long an address without a name (no PTR record, timeout) is kept before it is asked again',
  },
  listingMaxRows: {
    env: 'KEYWARDEN_LISTING_MAX_ROWS',
    parse: asPositiveInt,
    default: '10000000',
    describe:
      'most rows a batch listing (listing-job) writes; a longer listing is cut there and says so',
  },
  listingRetentionMs: {
    env: 'KEYWARDEN_LISTING_RETENTION',
    parse: asDurationMs,
    default: '7d',
    describe: 'how long listing files stay in DATA_DIR/listings for download',
  },
  exportSinks: {
    env: 'KEYWARDEN_EXPORT_SINKS',
    parse: parseExportSinks,
    default: '[]',
    describe:
      'SIEM export sinks, a JSON array: alerts and audit events as CEF or OCSF over syslog (udp, tcp, tls), to a file or an HTTP endpoint (docs/siem-export.md)',
  },
  notifyDigestWindowMs: {
    env: 'KEYWARDEN_NOTIFY_DIGEST_WINDOW',
    parse: asDurationMs,
    default: '1m',
    describe:
      'alert changes within this window of the first are mailed together, one message per recipient (0: at the next email-sender run)',
  },
  notifyDigestMaxAlerts: {
    env: 'KEYWARDEN_NOTIFY_DIGEST_MAX_ALERTS',
    parse: asPositiveInt,
    default: '50',
    describe: 'alert changes one digest lists in full; the rest are counted',
  },
  smtpTimeoutMs: {
    env: 'KEYWARDEN_SMTP_TIMEOUT',
    parse: asDurationMs,
    default: '60s',
    describe: 'SMTP connection, greeting and socket timeout of send-email',
  },
  expiryWarnLeadTimes: {
    env: 'KEYWARDEN_EXPIRY_WARN_LEAD_TIMES',
    parse: leadTimesParser(asDurationMs),
    default: '30d,7d,1d',
    describe:
      'expiration-notification raises an expiry alert this long before an authorization, agent or CA certificate or key expires',
  },
  backupDir: {
    env: 'KEYWARDEN_BACKUP_DIR',
    parse: asString,
    describe:
      'directory backup-export writes store backups to (off when unset; docs/operations.md)',
  },
  backupKeep: {
    env: 'KEYWARDEN_BACKUP_KEEP',
    parse: asPositiveInt,
    default: '7',
    describe: 'backups kept in backupDir; older ones are deleted after a new one is written',
  },
  backupMaxAgeMs: {
    env: 'KEYWARDEN_BACKUP_MAX_AGE',
    parse: asDurationMs,
    default: '26h',
    describe: 'internal-backup-monitor raises an alert when the newest backup is older than this',
  },
  backupSftpUrl: {
    env: 'KEYWARDEN_BACKUP_SFTP',
    parse: asSftpUrl,
    describe:
      'sftp://USER@HOST[:PORT]/DIR: backup-export and secrets-backup also upload each backup there (off when unset)',
  },
  backupSftpHostKey: {
    env: 'KEYWARDEN_BACKUP_SFTP_HOST_KEY',
    parse: asHostKeyFingerprint,
    describe: 'the SFTP target host key fingerprint (SHA256:..., as ssh-keygen -l prints it)',
  },
  backupSftpKeySealed: {
    env: 'KEYWARDEN_BACKUP_SFTP_KEY',
    parse: asSealedValue,
    describe:
      'the SFTP login private key sealed with the master key (kw1:..., made by keywarden seal-backup-key)',
  },
  secretsBackupRecipients: {
    env: 'KEYWARDEN_SECRETS_BACKUP_RECIPIENTS',
    parse: asAgeRecipients,
    describe:
      'age public keys (age1..., comma separated): secrets-backup encrypts the master key, CA and host credentials to them (off when unset)',
  },
  diskFreeMinBytes: {
    env: 'KEYWARDEN_DISK_FREE_MIN_BYTES',
    parse: asPositiveInt,
    default: '1073741824',
    describe:
      'internal-disk-space-monitor raises an alert when the data directory has less free space (bytes)',
  },
  processMaxCpuPercent: {
    env: 'KEYWARDEN_PROCESS_MAX_CPU_PERCENT',
    parse: asPositiveInt,
    default: '90',
    describe:
      'internal-resource-monitor raises an alert when the controller process used more CPU than this (percent of one core) since its last run',
  },
  processMaxRssBytes: {
    env: 'KEYWARDEN_PROCESS_MAX_RSS_BYTES',
    parse: asPositiveInt,
    default: '4294967296',
    describe:
      'internal-resource-monitor raises an alert when the controller process resident memory is above this (bytes)',
  },
  gatewayAddr: {
    env: 'KEYWARDEN_GATEWAY_ADDR',
    parse: asAddress,
    describe:
      'session gateway SSH listen address (off when unset): people reach hosts with `ssh -p PORT account@host@gateway` (docs/gateway.md)',
  },
  gatewayFromAddress: {
    env: 'KEYWARDEN_GATEWAY_FROM_ADDRESS',
    parse: asString,
    describe:
      "the controller's address as target hosts see it, written as from= on each ephemeral key (default: the source address the route to the host uses)",
  },
  gatewayKeyTtlMs: {
    env: 'KEYWARDEN_GATEWAY_KEY_TTL',
    parse: asDurationMs,
    default: '5m',
    describe:
      'lifetime of the ephemeral key a session is opened with (its expiry-time= on the host): sshd refuses it after, controller up or not',
  },
  gatewayConnectTimeoutMs: {
    env: 'KEYWARDEN_GATEWAY_CONNECT_TIMEOUT',
    parse: asDurationMs,
    default: '60s',
    describe:
      'how long placing the ephemeral key and the outbound ssh login may take before the session fails',
  },
  gatewayRecordingMaxBytes: {
    env: 'KEYWARDEN_GATEWAY_RECORDING_MAX_BYTES',
    parse: asPositiveInt,
    default: '104857600',
    describe:
      'largest recording of one session (output and input casts together); the session is ended when it is reached, never left unrecorded',
  },
  gatewayRecordingRetentionMs: {
    env: 'KEYWARDEN_GATEWAY_RECORDING_RETENTION',
    parse: asDurationMs,
    default: '365d',
    describe:
      'recordings of sessions ended longer ago than this are deleted by the Session finalizer',
  },
  gatewayAllowExec: {
    env: 'KEYWARDEN_GATEWAY_ALLOW_EXEC',
    parse: asBoolean,
    default: 'false',
    describe:
      'let a person run a command (`ssh gateway cmd`) instead of a shell; recorded like a shell. Port, agent and X11 forwarding and sftp are always refused',
  },
  commandRiskRules: {
    env: 'KEYWARDEN_COMMAND_RISK_RULES',
    parse: parseRiskRules,
    default: '[]',
    describe:
      'command-audit risk rules added to the built-in ones, a JSON array of {id, pattern, score, reason}; a built-in id replaces that rule, score 0 turns it off (docs/session-search.md)',
  },
  commandRiskAlertScore: {
    env: 'KEYWARDEN_COMMAND_RISK_ALERT_SCORE',
    parse: asPositiveInt,
    default: '70',
    describe:
      'command-audit raises an alert for a recorded command scoring at least this (1-100; 90 and over is critical)',
  },
  publicUrl: {
    env: 'KEYWARDEN_PUBLIC_URL',
    parse: (raw: string, name: string) =>
      /^https?:\/\/[^\s/?#]+\/?$/.test(raw.trim())
        ? raw.trim().replace(/\/$/, '')
        : fail(
            name,
            raw,
            'an http:// or https:// URL of the controller, such as https://keywarden.example.com',
          ),
    describe:
      'the controller as approvers reach it: the base of approve/deny links in approval emails (default: http://KEYWARDEN_HTTP_ADDR)',
  },
  approvalTtlMs: {
    env: 'KEYWARDEN_APPROVAL_TTL',
    parse: asDurationMs,
    default: '72h',
    describe:
      'how long an approval request without a host-group policy waits for its decisions before it expires',
  },
  imapMaxMessageBytes: {
    env: 'KEYWARDEN_IMAP_MAX_MESSAGE_BYTES',
    parse: asPositiveInt,
    default: '262144',
    describe: 'email-collector skips (and marks read) inbox messages larger than this (bytes)',
  },
  imapMaxMessagesPerRun: {
    env: 'KEYWARDEN_IMAP_MAX_MESSAGES',
    parse: asPositiveInt,
    default: '50',
    describe:
      'messages one email-collector run takes from the inbox; the rest wait for the next run',
  },
  imapTimeoutMs: {
    env: 'KEYWARDEN_IMAP_TIMEOUT',
    parse: asDurationMs,
    default: '60s',
    describe: 'IMAP connection, greeting and socket timeout of email-collector',
  },
  archiveDir: {
    env: 'KEYWARDEN_ARCHIVE_DIR',
    parse: asString,
    describe:
      'directory the purge robots archive records to (gzipped JSON Lines) before deleting them (off when unset; docs/operations.md)',
  },
  storeKeyMaxUsedPercent: {
    env: 'KEYWARDEN_STORE_KEY_MAX_USED_PERCENT',
    parse: asPositiveInt,
    default: '80',
    describe:
      'internal-primary-key-monitor raises an alert when a table uses more of its integer key range than this (percent)',
  },
  storeTableMaxRows: {
    env: 'KEYWARDEN_STORE_TABLE_MAX_ROWS',
    parse: asPositiveInt,
    default: '100000000',
    describe:
      'internal-primary-key-monitor raises an alert when a table or collection holds more rows than this',
  },
  storeMaxBytes: {
    env: 'KEYWARDEN_STORE_MAX_BYTES',
    parse: asPositiveInt,
    default: '107374182400',
    describe:
      'internal-primary-key-monitor raises an alert when the store is larger than this (bytes)',
  },
  gatewayCheckTimeoutMs: {
    env: 'KEYWARDEN_GATEWAY_CHECK_TIMEOUT',
    parse: asDurationMs,
    default: '5s',
    describe:
      'internal-gateway-monitor raises an alert when the agent gateway does not complete a TLS handshake within this',
  },
  approvalRemindAt: {
    env: 'KEYWARDEN_APPROVAL_REMIND_AT',
    parse: (raw: string, name: string) => {
      const n = Number(raw.trim());
      return raw.trim() !== '' && n >= 0 && n < 1
        ? n
        : fail(name, raw, 'a fraction from 0 (no reminder) to below 1, such as 0.75');
    },
    default: '0.75',
    describe:
      "approvers who have not decided get one reminder email once this fraction of a request's wait has passed (0: no reminders)",
  },
  gatewayTrustedUserCaKeys: {
    env: 'KEYWARDEN_GATEWAY_TRUSTED_USER_CA_KEYS',
    parse: asString,
    describe:
      "file of user CA public keys (sshd's TrustedUserCAKeys format): the session gateway takes a certificate they signed as the credential of the person whose uid is one of its principals (off when unset; docs/gateway.md)",
  },
  gatewayRevokedKeys: {
    env: 'KEYWARDEN_GATEWAY_REVOKED_KEYS',
    parse: asString,
    describe:
      'OpenSSH key revocation list (ssh-keygen -k) the session gateway checks every key and certificate against, as sshd RevokedKeys; unreadable, every key is refused',
  },
} satisfies Record<string, SettingSpec<unknown>>;

export type Settings = typeof settings;
export type SettingName = keyof Settings;
