/**
 * Agents and what flows between them and the controller. Times are ms since the epoch.
 *
 * agent: a keywarden-agent process that enrolled with an ICB and holds a client
 *   certificate naming its id. It manages one host (bound by discover-agent-host).
 * enrollment token: the single-use secret in an ICB; only its SHA-256 is stored.
 * assignment: one host operation of one attempt of a host job, sent to an agent. Its
 *   state moves pending -> delivered -> ended, or to lost when the connection it was
 *   delivered on closed, or through cancelling -> cancel-sent -> cancel-acknowledged.
 * result: what the agent reported for one operation of one attempt, stored once.
 */

export interface AgentSettingsRecord {
  mode: 'stream' | 'periodic';
  connectIntervalMs: number;
  maxConcurrentJobs: number;
  heartbeatIntervalMs: number;
}

export interface AgentRecord {
  id: string;
  hostId: string | null;
  groupId: string | null;
  enrollmentTokenId: string;
  settings: AgentSettingsRecord;
  certificateSerial: string;
  certificateNotAfter: number;
  /**
   * The certificate the last renewal replaced, and when: accepted for a short grace
   * (an agent mid-renewal may still hold a stream or a call made with it), then refused.
   */
  previousCertificateSerial: string | null;
  certificateSupersededAt: number | null;
  /** Set once the agent is revoked (by an admin, or its host was deleted): every call is refused. */
  revokedAt: number | null;
  revokedBy: string | null;
  revokedReason: string | null;
  /**
   * Last time the certificates this agent may use changed (renewal, revocation): gateways
   * read the agents changed since their last look to close streams that lost their right.
   */
  credentialsChangedAt: number | null;
  version: string;
  facts: Record<string, unknown>;
  /** Set while a stream is open; the controller holding it is connectedTo. */
  connectionId: string | null;
  connectedTo: string | null;
  lastConnectedAt: number | null;
  lastDisconnectedAt: number | null;
  connections: number;
  nextConnectionAt: number | null;
  enrolledAt: number;
  updatedAt: number;
}

export type NewAgent = Pick<
  AgentRecord,
  | 'id'
  | 'groupId'
  | 'enrollmentTokenId'
  | 'settings'
  | 'certificateSerial'
  | 'certificateNotAfter'
  | 'version'
  | 'facts'
>;

export interface EnrollmentTokenRecord {
  id: string;
  /** Hex SHA-256 of the secret. */
  tokenHash: string;
  icbId: string;
  groupId: string | null;
  settings: AgentSettingsRecord;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedByAgent: string | null;
}

/**
 * One host operation of one job attempt. An attempt may ask its host for several
 * operations one after another (an edit, then a scan reading the file back); `step`
 * numbers them from 0 in the order the job asks for them.
 */
export interface OperationKey {
  jobId: string;
  attempt: number;
  step: number;
}

export type AssignmentState =
  'pending' | 'delivered' | 'lost' | 'cancelling' | 'cancel-sent' | 'cancel-acknowledged' | 'ended';

export interface AssignmentRecord extends OperationKey {
  hostId: string;
  jobType: string;
  operation: string;
  args: unknown;
  timeoutMs: number;
  state: AssignmentState;
  connectionId: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewAssignment = Pick<
  AssignmentRecord,
  'jobId' | 'attempt' | 'step' | 'hostId' | 'jobType' | 'operation' | 'args' | 'timeoutMs'
>;

export interface AgentResultRecord extends OperationKey {
  hostId: string;
  agentId: string;
  /** The operation the agent ran ('' for a result stored before operations were recorded). */
  operation: string;
  ok: boolean;
  /** The operation's output when ok. */
  output: unknown;
  error: {
    code: string;
    message: string;
    retryable: boolean;
    details?: Record<string, unknown>;
  } | null;
  startedAt: number;
  finishedAt: number;
  receivedAt: number;
  /** The controller process that stored it. */
  receivedBy: string;
}
