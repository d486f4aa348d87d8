/**
 * The driver for agentless hosts: every host operation of a job whose host is agentless
 * runs here, through the session pool, with the host's management key (or its initial
 * credential until discovery replaced it). Connection failures change the host as
 * host-state-effects.ts describes; a host whose key changed gets no work at all.
 * The driver operations (hosts/driver-operations.ts) are the management-key lifecycle
 * (management-ops.ts); every other name is a shared host operation.
 */
import type { Logger } from 'pino';
import {
  errorCode,
  hostKeyMismatch,
  internalError,
  KeywardenError,
  noCredential,
} from '../../shared/errors';
import type { HostSession } from '../../shared/session/host-session';
import type { LoginCheck } from '../../shared/hostops/deploy-sshd-config';
import { runHostOperation } from '../../shared/hostops/operation-registry';
import { freshLoginCheck } from '../hosts/fresh-login-check';
import { isDriverOperation } from '../hosts/driver-operations';
import type { HostCall, HostDriver } from '../hosts/host-driver';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';
import { connectHost, type ConnectTimeouts } from './connect-host';
import type { CredentialVault, OpenedCredential } from '../secrets/credential-vault';
import {
  markCredentialRefused,
  markHostKeyMismatch,
  markReachable,
  markUnreachable,
  resolveAlert,
} from '../host-states/host-state-effects';
import { managementOperations, type ManagementOpContext, type RenewFaults } from './management-ops';
import type { SessionPool } from './session-pool';

export interface AgentlessExecutorDeps {
  store: Pick<Store, 'hosts' | 'audit' | 'alerts' | 'hostCredentials'>;
  vault: CredentialVault;
  pool: SessionPool;
  log: Logger;
  timeouts: ConnectTimeouts;
  clock?: () => number;
}

export class AgentlessDriver implements HostDriver {
  readonly name = 'agentless';
  readonly driverOperations = Object.keys(managementOperations) as Array<
    keyof typeof managementOperations
  >;
  /** Test hooks: fail a management-key renewal before a chosen step. */
  faults: RenewFaults = {};
  private readonly clock: () => number;

  constructor(private readonly deps: AgentlessExecutorDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async run({ job, host: record, operation, args, signal }: HostCall): Promise<unknown> {
    const host = workableHost(job.id, record);
    if (isDriverOperation(operation))
      return managementOperations[operation](this.opContext(host, signal));
    const extras = { loginCheck: this.managementLoginCheck(host, signal) };
    return this.withSession(host, signal, (s) =>
      runHostOperation(s, operation, args, signal, extras),
    );
  }

  /**
   * After a config reload: a new connection with the host's current credential (the pooled
   * one survives the reload). Not through connect(): a refusal here is the deploy's to roll
   * back, not a refused credential to alert on. A login that works proves the credential,
   * so an alert raised meanwhile (another job refused while the new config was live) is
   * resolved.
   */
  private managementLoginCheck(host: HostRecord, signal: AbortSignal): LoginCheck {
    const check = freshLoginCheck(
      `${host.managementAccount ?? '(no account)'}@${host.name} with the management key`,
      async () => {
        const cred = await this.deps.vault.current(host.id);
        if (!cred) throw noCredential(`host ${host.name} has no credential`);
        return connectHost(host, cred, this.deps.timeouts);
      },
      signal,
    );
    return async () => {
      const r = await check();
      if (r.ok) await resolveAlert(this.deps.store, 'credential-refused', host.id, this.clock());
      return r;
    };
  }

  /** Runs `fn` on a pooled session with the host's current credential. */
  async withSession<T>(
    host: HostRecord,
    signal: AbortSignal,
    fn: (s: HostSession) => Promise<T>,
    cred?: OpenedCredential,
  ): Promise<T> {
    const c = cred ?? (await this.deps.vault.current(host.id));
    if (!c)
      throw noCredential(`host ${host.name} has no credential to log in with`, {
        details: { hostId: host.id },
      });
    const lease = await this.deps.pool.acquire(host.id, c.key, () => this.connect(host, c), signal);
    try {
      const out = await fn(lease.session);
      lease.release(true);
      await markReachable(this.deps.store, host, this.clock());
      return out;
    } catch (err) {
      // A domain error (file changed, unknown account) leaves the session sound; anything
      // else may mean the connection died under us.
      lease.release(err instanceof KeywardenError && err.code !== 'HOST_UNREACHABLE');
      throw err;
    }
  }

  /** Opens a session, turning each kind of failure into its effect on the host. */
  async connect(host: HostRecord, cred: OpenedCredential): Promise<HostSession> {
    try {
      return await connectHost(host, cred, this.deps.timeouts);
    } catch (err) {
      await this.onConnectError(
        host,
        err,
        cred.slot === 'initial' ? 'initial credential' : 'management key',
      );
      throw err;
    }
  }

  async onConnectError(host: HostRecord, err: unknown, which: string): Promise<void> {
    const now = this.clock();
    const code = errorCode(err);
    const log = this.deps.log.child({ hostId: host.id, code });
    if (code === 'HOST_UNREACHABLE') {
      await markUnreachable(this.deps.store, host, (err as Error).message, now);
    } else if (code === 'HOST_KEY_MISMATCH') {
      const presented = (err as KeywardenError).details?.presented;
      this.deps.pool.invalidateHost(host.id);
      await markHostKeyMismatch(
        this.deps.store,
        host,
        typeof presented === 'string' ? presented : undefined,
        now,
      );
      log.error('host key mismatch: work on the host is stopped');
    } else if (code === 'CREDENTIAL_REFUSED') {
      await markCredentialRefused(this.deps.store, host, which, now);
      log.warn(`host refused the ${which}`);
    }
  }

  private opContext(host: HostRecord, signal: AbortSignal): ManagementOpContext {
    return {
      host,
      signal,
      store: this.deps.store,
      vault: this.deps.vault,
      pool: this.deps.pool,
      timeouts: this.deps.timeouts,
      faults: this.faults,
      now: this.clock,
      withSession: (h, fn, cred) => this.withSession(h, signal, fn, cred),
      onConnectError: (h, err, which) => this.onConnectError(h, err, which),
    };
  }
}

/** The router's record of the job's host, refusing one whose host key no longer matches. */
function workableHost(jobId: string, host: HostRecord | null): HostRecord {
  // The router gives this driver only jobs whose registered host is agentless.
  if (!host) throw internalError(`job ${jobId}: the agentless driver was given no host`);
  if (host.state === 'host-key-mismatch')
    throw hostKeyMismatch(
      `work on host ${host.name} is stopped: its host key changed; an admin must accept the new key (keywarden hosts accept-key ${host.id})`,
      { details: { hostId: host.id, pinned: host.hostKeyFingerprint } },
    );
  return host;
}
