/**
 * The local host driver: runs the shared host operations on a LocalSession under a root
 * prefix per host, in this process, with no sshd and no agent. Tests register it on a host
 * router for a kind of host (`router.use('agentless', new LocalHostDriver(...))`) to run
 * host jobs through the real engine and router on many "hosts" of one machine.
 *
 * It lives with the tests, not in the product: no deployment reaches a host this way (the
 * agent runs the same operations on its own LocalSession through its job runner), so a
 * product copy would be one more transport to secure for no user.
 */
import type { HostCall, HostDriver } from '../../controller/hosts/host-driver';
import type { HostRecord } from '../../controller/store/host-records';
import { runHostOperation } from '../../shared/hostops/operation-registry';
import { LocalSession } from '../../shared/session/local-session';

export class LocalHostDriver implements HostDriver {
  readonly name = 'local';
  /** Every call it was given, in order (what the router passed: host, step). */
  readonly calls: Array<Pick<HostCall, 'operation' | 'step'> & { hostId: string | null }> = [];

  constructor(private readonly rootPrefixOf: (host: HostRecord | null) => string) {}

  async run(call: HostCall): Promise<unknown> {
    this.calls.push({ operation: call.operation, step: call.step, hostId: call.host?.id ?? null });
    const session = new LocalSession({ rootPrefix: this.rootPrefixOf(call.host) });
    try {
      return await runHostOperation(session, call.operation, call.args, call.signal);
    } finally {
      await session.close();
    }
  }
}
