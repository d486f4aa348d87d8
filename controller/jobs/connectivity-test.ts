import { Type } from '@sinclair/typebox';
import { errorCode } from '../../shared/errors';
import { probeHostKeyFingerprint } from '../../shared/session/ssh-connect';
import { defineJob, withDefault } from '../engine/job-definition';
import {
  markHostKeyMismatch,
  markReachable,
  markUnreachable,
} from '../host-states/host-state-effects';
import type { HostRecord } from '../store/host-records';

/**
 * The "Connectivity test" robot: on an interval, every agentless host gets an SSH
 * handshake (no login, so no credential is spent and nothing lands in the host's logs as
 * a failed login). A host that does not answer becomes unreachable; one that answers again
 * returns to its state; one that presents another host key is stopped with an alert.
 */
export const connectivityTest = defineJob({
  type: 'connectivity-test',
  describe: 'Tests the SSH connection of every agentless host; sets reachable / unreachable',
  params: Type.Object({
    concurrency: withDefault(Type.Integer({ minimum: 1, maximum: 256 }), 32),
    timeoutMs: withDefault(Type.Integer({ minimum: 100, maximum: 60_000 }), 5_000),
  }),
  runsOn: 'controller',
  timeoutMs: 30 * 60_000,
  retry: { maxAttempts: 1, baseDelayMs: 1_000, maxDelayMs: 1_000 },
  singleton: true,
  adminTriggerable: true,
  idempotent: true,
  robot: { instances: 1, intervalMs: 5 * 60_000 },
  async run(params, ctx) {
    const hosts: HostRecord[] = [];
    let after: string | undefined;
    do {
      const page = await ctx.store.hosts.list(
        { kind: 'agentless', state: ['discovered', 'monitored', 'managed', 'unreachable'] },
        { limit: 500, ...(after ? { after } : {}) },
      );
      hosts.push(...page.items);
      after = page.nextCursor ?? undefined;
    } while (after);
    const counts = { checked: 0, reachable: 0, unreachable: 0, hostKeyMismatch: 0 };
    let next = 0;
    const worker = async () => {
      for (let h = hosts[next++]; h; h = hosts[next++]) {
        ctx.signal.throwIfAborted();
        const outcome = await check(h, params.timeoutMs, ctx.now);
        counts[outcome] += 1;
        counts.checked += 1;
        if (counts.checked % 100 === 0) await ctx.heartbeat({ ...counts, total: hosts.length });
      }
    };
    const check = async (h: HostRecord, timeoutMs: number, now: () => number) => {
      // Re-read: a job may have changed the host since the list was taken.
      const host = (await ctx.store.hosts.get(h.id)) ?? h;
      try {
        const presented = await probeHostKeyFingerprint({
          host: host.address,
          port: host.port,
          readyTimeoutMs: timeoutMs,
        });
        if (host.hostKeyFingerprint && presented !== host.hostKeyFingerprint) {
          await markHostKeyMismatch(ctx.store, host, presented, now());
          return 'hostKeyMismatch' as const;
        }
        await markReachable(ctx.store, host, now());
        return 'reachable' as const;
      } catch (err) {
        if (errorCode(err) !== 'HOST_UNREACHABLE') throw err;
        await markUnreachable(ctx.store, host, (err as Error).message, now());
        return 'unreachable' as const;
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(params.concurrency, Math.max(1, hosts.length)) }, worker),
    );
    return counts;
  },
});
