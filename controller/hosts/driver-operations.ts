/**
 * Operations of a host driver rather than of the host's files: the management-key
 * lifecycle of an agentless host (the agent of an agent host holds its own certificate, so
 * it has none). Jobs name them through `ctx.runOnHost` like any host operation and never
 * import the driver that implements them; the router refuses one on a host whose driver
 * does not implement it, naming the host's kind.
 *
 * One typed line per operation: its arguments and its result, which the implementing
 * driver's table must match (management-ops.ts `satisfies` DriverOperationTable).
 */
import type { HostOperationName } from '../../shared/hostops/operation-registry';

export interface HostIdentity {
  hostKeyFingerprint: string | null;
  /** How the host key came to be pinned: given when the host was added, first seen now, or before. */
  pinnedBy: 'expected' | 'first-seen' | 'already-pinned';
  os: string | null;
  sshProduct: string | null;
  /** The SSH identification line the host sent, if it sent one. */
  banner: string | null;
}

type NoArgs = Record<string, never>;

export interface DriverOperations {
  /** Pins the host key (the expected one, else the first seen), detects OS and SSH product. */
  'identify-host': { args: NoArgs; result: HostIdentity };
  /** Installs the host's management key with its initial credential, then forgets that. */
  'install-management-key': {
    args: NoArgs;
    result: { installed: boolean; fingerprint: string | null };
  };
  /** Rotates the management key (or finishes a rotation that stopped before removal). */
  'renew-management-key': {
    args: NoArgs;
    result: {
      resumed: boolean;
      fingerprint: string | null;
      previous: string | null;
      removed: number;
    };
  };
  /** Proves the management key logs in. */
  'verify-management-key': { args: NoArgs; result: { fingerprint: string | null } };
}

export type DriverOperationName = keyof DriverOperations;

/** A driver's implementation of driver operations: each typed by its line above. */
export type DriverOperationTable<C> = {
  [N in DriverOperationName]: (
    ctx: C,
    args: DriverOperations[N]['args'],
  ) => Promise<DriverOperations[N]['result']>;
};

const NAMES: Record<DriverOperationName, true> = {
  'identify-host': true,
  'install-management-key': true,
  'renew-management-key': true,
  'verify-management-key': true,
};

export function isDriverOperation(name: string): name is DriverOperationName {
  return Object.hasOwn(NAMES, name);
}

// A driver operation must never shadow a host operation: the router could not tell them apart.
type Overlap = Extract<DriverOperationName, HostOperationName>;
const noOverlap: [Overlap] extends [never] ? true : Overlap = true;
void noOverlap;
