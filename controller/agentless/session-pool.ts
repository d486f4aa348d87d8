/**
 * A bounded pool of SSH sessions for agentless hosts. A global limit caps the sessions
 * the controller has open (connecting, busy or idle), a per-host limit caps the busy ones
 * per host, and a session a job has finished with stays open for a short idle time so
 * jobs queued together for a host reuse one login instead of each paying the handshake.
 * A session is reused only for the same credential (a renewed key gets fresh sessions).
 */
import { controllerStopping } from '../../shared/errors';
import type { HostSession } from '../../shared/session/host-session';

export interface SessionPoolLimits {
  maxSessions: number;
  maxSessionsPerHost: number;
  /** How long a finished session waits for the next job of its host. */
  idleMs: number;
}

export interface PoolStats {
  open: number;
  busy: number;
  idle: number;
  waiting: number;
  peakOpen: number;
  peakBusy: number;
  created: number;
  reused: number;
}

export interface PooledSession {
  session: HostSession;
  /** reusable: false when the session may be broken (an unexpected error on it). */
  release(reusable: boolean): void;
}

interface IdleEntry {
  session: HostSession;
  credentialKey: string;
  timer: NodeJS.Timeout;
}

interface HostSlot {
  busy: number;
  idle: IdleEntry[];
}

export class SessionPool {
  private open = 0;
  private busy = 0;
  private peakOpen = 0;
  private peakBusy = 0;
  private created = 0;
  private reused = 0;
  private readonly hosts = new Map<string, HostSlot>();
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly limits: Readonly<SessionPoolLimits>) {}

  /** Closes every idle session now (before a measurement, or to let hosts' logins end). */
  closeAllIdle(): void {
    for (const [id, slot] of this.hosts) {
      for (const e of slot.idle.splice(0)) this.closeIdle(e);
      if (slot.busy === 0) this.hosts.delete(id);
    }
    this.wake();
  }

  stats(): PoolStats {
    let idle = 0;
    for (const h of this.hosts.values()) idle += h.idle.length;
    return {
      open: this.open,
      busy: this.busy,
      idle,
      waiting: this.waiters.length,
      peakOpen: this.peakOpen,
      peakBusy: this.peakBusy,
      created: this.created,
      reused: this.reused,
    };
  }

  resetPeaks(): void {
    this.peakOpen = this.open;
    this.peakBusy = this.busy;
  }

  /**
   * A session for the host, waiting for room under both limits. `connect` opens a new one
   * when no idle session with this credential exists; its errors pass through.
   */
  async acquire(
    hostId: string,
    credentialKey: string,
    connect: () => Promise<HostSession>,
    signal: AbortSignal,
  ): Promise<PooledSession> {
    for (;;) {
      signal.throwIfAborted();
      // Only on shutdown: the job runs again after the restart, its attempt given back.
      if (this.closed) throw controllerStopping('the session pool is stopped');
      const slot = this.slot(hostId);
      if (slot.busy < this.limits.maxSessionsPerHost) {
        const i = slot.idle.findIndex((e) => e.credentialKey === credentialKey);
        if (i >= 0) {
          const [entry] = slot.idle.splice(i, 1) as [IdleEntry];
          clearTimeout(entry.timer);
          this.reused += 1;
          return this.lease(hostId, slot, entry.session, credentialKey);
        }
        if (this.open >= this.limits.maxSessions) this.evictOneIdle(hostId, credentialKey);
        if (this.open < this.limits.maxSessions) {
          this.open += 1;
          this.markBusy(slot, +1);
          this.peakOpen = Math.max(this.peakOpen, this.open);
          let session: HostSession;
          try {
            session = await connect();
          } catch (err) {
            this.open -= 1;
            this.markBusy(slot, -1);
            this.wake();
            throw err;
          }
          this.created += 1;
          this.markBusy(slot, -1); // lease() counts it again
          return this.lease(hostId, slot, session, credentialKey);
        }
      }
      await this.waitForRoom(signal);
    }
  }

  /** Closes the idle sessions of a host (its key changed, it was deleted). */
  invalidateHost(hostId: string): void {
    const slot = this.hosts.get(hostId);
    if (!slot) return;
    for (const e of slot.idle.splice(0)) this.closeIdle(e);
    this.wake();
  }

  async stop(): Promise<void> {
    this.closed = true;
    const closing: Array<Promise<void>> = [];
    for (const slot of this.hosts.values()) {
      for (const e of slot.idle.splice(0)) {
        clearTimeout(e.timer);
        this.open -= 1;
        closing.push(e.session.close().catch(() => undefined));
      }
    }
    this.wake();
    await Promise.all(closing);
  }

  private lease(
    hostId: string,
    slot: HostSlot,
    session: HostSession,
    credentialKey: string,
  ): PooledSession {
    this.markBusy(slot, +1);
    let released = false;
    return {
      session,
      release: (reusable) => {
        if (released) return;
        released = true;
        this.markBusy(slot, -1);
        if (reusable && !this.closed && this.limits.idleMs > 0) {
          const entry: IdleEntry = {
            session,
            credentialKey,
            timer: setTimeout(() => {
              const i = slot.idle.indexOf(entry);
              if (i >= 0) slot.idle.splice(i, 1);
              this.closeIdle(entry);
              this.wake();
            }, this.limits.idleMs),
          };
          entry.timer.unref();
          slot.idle.push(entry);
        } else {
          this.open -= 1;
          void session.close().catch(() => undefined);
        }
        if (slot.busy === 0 && slot.idle.length === 0) this.hosts.delete(hostId);
        this.wake();
      },
    };
  }

  private markBusy(slot: HostSlot, delta: number): void {
    slot.busy += delta;
    this.busy += delta;
    this.peakBusy = Math.max(this.peakBusy, this.busy);
  }

  private slot(hostId: string): HostSlot {
    let s = this.hosts.get(hostId);
    if (!s) {
      s = { busy: 0, idle: [] };
      this.hosts.set(hostId, s);
    }
    return s;
  }

  /** At the global limit, an idle session of another host (or an old credential) makes room. */
  private evictOneIdle(hostId: string, credentialKey: string): void {
    for (const [id, slot] of this.hosts) {
      const i = slot.idle.findIndex((e) => id !== hostId || e.credentialKey !== credentialKey);
      if (i < 0) continue;
      const [entry] = slot.idle.splice(i, 1) as [IdleEntry];
      this.closeIdle(entry);
      if (slot.busy === 0 && slot.idle.length === 0 && id !== hostId) this.hosts.delete(id);
      return;
    }
  }

  private closeIdle(e: IdleEntry): void {
    clearTimeout(e.timer);
    this.open -= 1;
    void e.session.close().catch(() => undefined);
  }

  private waitForRoom(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(signal.reason as Error);
      };
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  /** Every waiter checks again, in arrival order; those without room queue up again. */
  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
