/**
 * What the SSH transports have asked of the hosts in this process, for the agentless bench
 * and for tests that hold an operation to a round-trip budget. Each exec channel costs the
 * host a session process, a shell and (for a sudo account) a PAM-backed sudo; each helper
 * request costs one network round trip on a channel already open.
 */
export interface RoundTripCounts {
  /** SSH exec channels opened: commands, and the start of each file helper. */
  execChannels: number;
  /** Requests answered by a file helper already running (a batch counts once). */
  helperRequests: number;
  /** SFTP requests (root management accounts only). */
  sftpRequests: number;
}

const counts: RoundTripCounts = { execChannels: 0, helperRequests: 0, sftpRequests: 0 };

export function countRoundTrip(kind: keyof RoundTripCounts): void {
  counts[kind] += 1;
}

/** A copy of the counts so far; subtract two of them to measure one stretch of work. */
export function roundTripCounts(): RoundTripCounts {
  return { ...counts };
}
