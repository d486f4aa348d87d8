/**
 * What the controller keeps about agents: enrolled agents, the enrollment tokens ICB
 * files carry, job assignments waiting for (or delivered to) an agent, and the results
 * agents send back. Both adapters implement these and pass
 * test/integration/agents/agent-store-contract.test.ts.
 *
 * Every decision that must have one winner is a single conditional write or a unique
 * insert: a token is consumed once, a result is stored once per operation of a job attempt (A.OperationKey).
 */
import type * as A from './agent-records';

export interface AgentRepository {
  create(agent: A.NewAgent, now: number): Promise<A.AgentRecord>;
  get(id: string): Promise<A.AgentRecord | null>;
  /** Sets the host once: false when the agent already has one (discovery ran twice). */
  bindHost(id: string, hostId: string, now: number): Promise<boolean>;
  /** Records a management connection held by `controllerId`. */
  recordConnection(
    id: string,
    conn: {
      connectionId: string;
      controllerId: string;
      version?: string;
      facts?: Record<string, unknown>;
    },
    now: number,
  ): Promise<void>;
  /** recordConnection for several agents in one write (the gateway group-commits hellos). */
  recordConnections(
    items: Array<{ id: string; conn: Parameters<AgentRepository['recordConnection']>[1] }>,
    now: number,
  ): Promise<void>;
  /** Records the end of a connection, unless a newer one has replaced it. */
  recordDisconnect(id: string, connectionId: string, now: number): Promise<void>;
  /** recordDisconnect for several connections in one write (a reconnect storm ends thousands at once). */
  recordDisconnects(items: Array<{ id: string; connectionId: string }>, now: number): Promise<void>;
  /** Installs a renewed certificate; the one it replaces becomes the previous (superseded now). */
  setCertificate(
    id: string,
    cert: { serial: string; notAfter: number },
    now: number,
  ): Promise<void>;
  /** Revokes the agent for good: false when it was already revoked (the first reason stays). */
  revoke(id: string, revocation: { by: string; reason: string }, now: number): Promise<boolean>;
  /** The agents bound to a host (one, unless the host was enrolled again). */
  listByHost(hostId: string): Promise<A.AgentRecord[]>;
  /** Agents whose certificates changed (renewed or revoked) at or after `since`. */
  listCredentialChanges(since: number, limit: number): Promise<A.AgentRecord[]>;
  setNextConnection(id: string, at: number | null): Promise<void>;
  count(): Promise<number>;
  /** Agents not revoked whose certificate ends before `before`, soonest first (expiry warnings). */
  listCertificatesEndingBefore(before: number, limit: number): Promise<A.AgentRecord[]>;
}

export type TokenConsumeOutcome =
  | { ok: true; token: A.EnrollmentTokenRecord }
  | { ok: false; reason: 'unknown' | 'used' | 'expired'; token: A.EnrollmentTokenRecord | null };

export interface EnrollmentTokenRepository {
  create(token: A.EnrollmentTokenRecord): Promise<void>;
  /** Marks the token used by `agentId` if it is unused and unexpired: exactly one caller wins. */
  consume(tokenHash: string, agentId: string, now: number): Promise<TokenConsumeOutcome>;
  get(id: string): Promise<A.EnrollmentTokenRecord | null>;
}

export interface AssignmentRepository {
  /** Stores the assignment (pending); an existing one with the same key is kept. */
  put(a: A.NewAssignment, now: number): Promise<A.AssignmentRecord>;
  get(k: A.OperationKey): Promise<A.AssignmentRecord | null>;
  /** Pending or cancelling assignments of these hosts (what a gateway must send), oldest first. */
  listActionable(hostIds: readonly string[], limit: number): Promise<A.AssignmentRecord[]>;
  /** Every assignment of the host not yet ended (re-sent at each connection; agents dedupe). */
  listOpenForHost(hostId: string): Promise<A.AssignmentRecord[]>;
  /** pending -> delivered on this connection. */
  markDelivered(k: A.OperationKey, connectionId: string, now: number): Promise<boolean>;
  /** The run that waits for it is gone or stopped: the agent is told to stop. */
  requestCancel(k: A.OperationKey, now: number): Promise<boolean>;
  /** cancelling -> cancel-sent, so the poll does not send the cancel twice. */
  markCancelSent(k: A.OperationKey, now: number): Promise<boolean>;
  markCancelAcknowledged(k: A.OperationKey, now: number): Promise<boolean>;
  /** Delivered on a connection that closed without a result: the waiting run learns it is lost. */
  markLost(hostId: string, connectionId: string, now: number): Promise<number>;
  /**
   * An attempt given back (a graceful stop) runs again under the same key: its assignment,
   * lost when the stream ended, is pending again. Agents dedupe a job they still run or
   * hold in their spool, so it is not run twice. False when it was not lost.
   */
  reopenLost(k: A.OperationKey, now: number): Promise<boolean>;
  /** A result arrived (or the run gave up): the assignment is over. */
  markEnded(k: A.OperationKey, now: number): Promise<void>;
  /** Deletes ended assignments older than `before`. */
  purgeEnded(before: number): Promise<number>;
}

export interface AgentResultRepository {
  /** Stores the result unless one exists for its key: `created` says which. */
  insert(result: A.AgentResultRecord): Promise<{ created: boolean; stored: A.AgentResultRecord }>;
  get(k: A.OperationKey): Promise<A.AgentResultRecord | null>;
  /**
   * The latest successful result of the same step in an earlier attempt (a reclaimed job
   * reuses it instead of running the operation again).
   */
  findSuccessBefore(k: A.OperationKey): Promise<A.AgentResultRecord | null>;
  count(): Promise<number>;
}

/** One field of Store: `store.agentFleet`. */
export interface AgentFleetRepositories {
  agents: AgentRepository;
  enrollmentTokens: EnrollmentTokenRepository;
  assignments: AssignmentRepository;
  results: AgentResultRepository;
}
