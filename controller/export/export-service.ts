/**
 * SIEM export for one controller: a SinkRunner per configured sink (KEYWARDEN_EXPORT_SINKS).
 * With several controllers on one store, each sink is exported by one of them at a time
 * (a lease per period in the store); the others stand by and take over when it stops.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store';
import { openSink } from './open-sink';
import type { SinkConfig } from './sink-config';
import { SinkRunner, type SinkStatus } from './sink-runner';

export class ExportService {
  private readonly runners: SinkRunner[];

  constructor(
    store: Pick<Store, 'alerts' | 'audit' | 'exportCursors'>,
    sinks: readonly SinkConfig[],
    log: Logger,
    opts: { pollMs?: number; leaseMs?: number } = {},
  ) {
    this.runners = sinks.map(
      (c) =>
        new SinkRunner(
          store,
          c,
          openSink(c),
          log.child({ component: 'export' }),
          opts.pollMs,
          opts.leaseMs,
        ),
    );
  }

  start(): void {
    for (const r of this.runners) r.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  statuses(): SinkStatus[] {
    return this.runners.map((r) => ({ ...r.status, cursors: { ...r.status.cursors } }));
  }
}
