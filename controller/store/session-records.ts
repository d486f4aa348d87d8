/**
 * Gateway sessions (issue 15): one record per attempt of a person to reach (host, account)
 * through the session gateway, from the moment the person is authenticated to its end,
 * whatever the end. The recording itself is files under the data directory
 * (docs/gateway.md says why); the record says where, and how many bytes went each way.
 *
 * States: `connecting` (the ephemeral key is being placed, the outbound ssh is starting),
 * `live` (the outbound ssh authenticated: the person is on the host), then one of
 * `ended` (the session closed normally), `terminated` (an admin ended it), `failed` (it
 * never connected; `reason` says why: refused by policy, key not placed, host key
 * mismatch, connection refused...), `abandoned` (its controller process died: the Session
 * finalizer closed it from its last heartbeat).
 */
export const SESSION_STATES = [
  'connecting',
  'live',
  'ended',
  'terminated',
  'failed',
  'abandoned',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];
export const OPEN_SESSION_STATES: readonly SessionState[] = ['connecting', 'live'];

export interface SessionRecord {
  id: string;
  /** The person who authenticated (directory person id), their uid and the key they used. */
  personId: string;
  personUid: string;
  personFingerprint: string;
  hostId: string;
  /** The target as the person named it (`account@host`), and the account reached. */
  target: string;
  account: string;
  /** The person's client address as the gateway saw it. */
  fromAddress: string;
  /** The controller process (engine worker id) holding the session. */
  controllerId: string;
  /** shell, or exec with the command (when policy allows exec). */
  kind: 'shell' | 'exec';
  command: string | null;
  state: SessionState;
  /** Why it failed, was terminated or abandoned (a person-readable sentence); null while fine. */
  reason: string | null;
  /** The ephemeral key's authorization (its grant, placement and removal are in its record). */
  authorizationId: string | null;
  ephemeralFingerprint: string | null;
  startedAt: number;
  connectedAt: number | null;
  endedAt: number | null;
  /** The last heartbeat of the holding process (every few seconds while open). */
  lastSeenAt: number;
  /** Bytes the host sent (output) and the person typed (input). */
  bytesOut: number;
  bytesIn: number;
  /** Recording files relative to the data directory (output cast, input cast); null before. */
  recordingPath: string | null;
  inputPath: string | null;
  /** The recording was cut at the size limit (the session was ended there). */
  recordingTruncated: boolean;
  /** Set by an admin's terminate request; the holding process ends the session. */
  terminateRequestedAt: number | null;
  terminateRequestedBy: string | null;
  exitCode: number | null;
  /**
   * How the person came in when it was not the SSH endpoint: the console's web terminal and
   * the API token it was opened with (personFingerprint is then empty: no key of theirs).
   */
  via?: { entry: 'web-terminal'; token: string };
}

/** Things that happened in a session besides its bytes: refused requests, terminations. */
export interface SessionEventRecord {
  id: string;
  sessionId: string;
  at: number;
  /** e.g. refused:tcpip-forward, refused:direct-tcpip, refused:subsystem, key-removed. */
  type: string;
  details: Record<string, unknown>;
}

export interface SessionFilter {
  state?: SessionState[];
  personId?: string;
  hostId?: string;
  controllerId?: string;
  /** startedAt within [startedSince, startedUntil). */
  startedSince?: number;
  startedUntil?: number;
  /** Open sessions whose last heartbeat is older than this (what the finalizer looks for). */
  lastSeenBefore?: number;
  terminateRequested?: boolean;
}

export type SessionPatch = Partial<
  Omit<SessionRecord, 'id' | 'personId' | 'startedAt' | 'controllerId'>
>;
