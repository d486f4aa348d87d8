/**
 * The login check after an sshd reload: a NEW SSH connection with the credential Keywarden
 * manages the host with, running one trivial command (as root where the session uses sudo).
 * The connection the deploy ran on survives a reload, so only a new one shows whether the
 * new config still lets Keywarden in.
 *
 * A reload (SIGHUP) returns before sshd has re-read its config, and sshd then re-executes
 * and listens anew: the check waits RELOAD_SETTLE_MS first, so that it does not log in to
 * the old listener, and retries a refused connection for a while, so that it does not
 * judge the moment sshd is between listeners. A refused credential or a changed host key
 * fails at once.
 */
import { errorCode } from '../../shared/errors';
import type { LoginCheck } from '../../shared/hostops/deploy-sshd-config';
import type { HostSession } from '../../shared/session/host-session';

export const RELOAD_SETTLE_MS = 1_000;
/** How long sshd may refuse connections after a reload before the check fails. */
export const RELISTEN_WINDOW_MS = 15_000;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

export function freshLoginCheck(
  who: string,
  connect: () => Promise<HostSession>,
  signal: AbortSignal,
): LoginCheck {
  return async () => {
    await pause(RELOAD_SETTLE_MS, signal);
    const until = Date.now() + RELISTEN_WINDOW_MS;
    for (;;) {
      try {
        const session = await connect();
        try {
          const r = await session.exec('true', [], { timeoutMs: 15_000 });
          if (r.code === 0) return { ok: true };
          return {
            ok: false,
            reason: `logged in as ${who} but could not run a command (exit ${r.code}): ${r.stderr.trim()}`,
          };
        } finally {
          await session.close().catch(() => undefined);
        }
      } catch (err) {
        const code = errorCode(err) ?? 'ERROR';
        if (code === 'HOST_UNREACHABLE' && Date.now() < until && !signal.aborted) {
          await pause(250, signal);
          continue;
        }
        const message = err instanceof Error ? err.message : String(err);
        return { ok: false, reason: `a fresh login as ${who} failed: ${code}: ${message}` };
      }
    }
  };
}
