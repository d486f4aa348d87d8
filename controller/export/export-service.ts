/**
 * SIEM export for one controller: a SinkRunner per configured sink (KEYWARDEN_EXPORT_SINKS).
 * With several controllers on one store, configure the sinks on one of them: each runner
 * keeps its cursor in the store, and two runners of the same sink would send twice.
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
    opts: { pollMs?: number } = {},
  ) {
    this.runners = sinks.map(
      (c) => new SinkRunner(store, c, openSink(c), log.child({ component: 'export' }), opts.pollMs),
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
